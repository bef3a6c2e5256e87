// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/OwnListing.h"

#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/ServiceProblem.h"

namespace napkin::discovery {

namespace {

bool containsFingerprint(const std::vector<crypto::Certificate> &set, const QString &fingerprint) {
    const std::string wanted = fingerprint.trimmed().toLower().toStdString();
    for (const auto &certificate : set) {
        if (certificate.fingerprint() == wanted) {
            return true;
        }
    }
    return false;
}

} // namespace

QByteArray searchTarget(const crypto::Aor &aor) {
    return QByteArray("/search-cgi?sip=") +
           percentEncodeQueryValue(QByteArray::fromStdString(aor.address()));
}

DiscoveryResult<std::vector<crypto::Certificate>> listedSet(const HttpResponse &response,
                                                            const crypto::Aor &aor) {
    const QString action = QStringLiteral("asking what %1 lists for this address")
                               .arg(QString::fromStdString(aor.host));
    if (response.status == 404) {
        if (parseServiceProblem(response).slug == QLatin1String("unknown-domain")) {
            return fail(errorFromResponse(response, action));
        }
        return std::vector<crypto::Certificate>{}; // none for the address
    }
    if (response.status != 200) {
        return fail(errorFromResponse(response, action));
    }
    return decodeCertificateSet(response.header("Content-Type"), response.body);
}

DiscoveryResult<bool> listedIn(const HttpResponse &response, const crypto::Aor &aor,
                               const QString &fingerprint) {
    auto set = listedSet(response, aor);
    if (!set.ok()) {
        return fail(set.error());
    }
    return containsFingerprint(set.value(), fingerprint);
}

void askSet(ServiceClient &client, const crypto::Aor &aor,
            std::function<void(DiscoveryResult<std::vector<crypto::Certificate>>)> done) {
    HttpRequest request;
    request.method = "GET";
    request.target = searchTarget(aor);
    request.setHeader("Accept", kCertificateSetAccept);
    client.request(QString::fromStdString(aor.host), std::move(request),
                   [aor, done = std::move(done)](DiscoveryResult<HttpResponse> r) {
                       if (!r.ok()) {
                           done(fail(r.error()));
                           return;
                       }
                       done(listedSet(r.value(), aor));
                   });
}

void askListed(ServiceClient &client, const crypto::Aor &aor, const QString &fingerprint,
               std::function<void(DiscoveryResult<bool>)> done) {
    askSet(client, aor,
           [fingerprint,
            done = std::move(done)](DiscoveryResult<std::vector<crypto::Certificate>> set) {
               if (!set.ok()) {
                   done(fail(set.error()));
                   return;
               }
               done(containsFingerprint(set.value(), fingerprint));
           });
}

} // namespace napkin::discovery
