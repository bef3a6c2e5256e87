#include "sipcore/discovery/OwnListing.h"

#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/ServiceProblem.h"

namespace napkin::discovery {

QByteArray searchTarget(const crypto::Aor &aor) {
    return QByteArray("/search-cgi?sip=") +
           percentEncodeQueryValue(QByteArray::fromStdString(aor.address()));
}

DiscoveryResult<bool> listedIn(const HttpResponse &response, const crypto::Aor &aor,
                               const QString &fingerprint) {
    const QString action = QStringLiteral("asking whether %1 still lists this device")
                               .arg(QString::fromStdString(aor.host));
    if (response.status == 404) {
        if (parseServiceProblem(response).slug == QLatin1String("unknown-domain")) {
            return fail(errorFromResponse(response, action));
        }
        return false; // the service lists no certificate for the address
    }
    if (response.status != 200) {
        return fail(errorFromResponse(response, action));
    }
    auto set = decodeCertificateSet(response.header("Content-Type"), response.body);
    if (!set.ok()) {
        return fail(set.error());
    }
    const std::string wanted = fingerprint.trimmed().toLower().toStdString();
    for (const auto &certificate : set.value()) {
        if (certificate.fingerprint() == wanted) {
            return true;
        }
    }
    return false;
}

void askListed(ServiceClient &client, const crypto::Aor &aor, const QString &fingerprint,
               std::function<void(DiscoveryResult<bool>)> done) {
    HttpRequest request;
    request.method = "GET";
    request.target = searchTarget(aor);
    request.setHeader("Accept", kCertificateSetAccept);
    client.request(QString::fromStdString(aor.host), std::move(request),
                   [aor, fingerprint, done = std::move(done)](DiscoveryResult<HttpResponse> r) {
                       if (!r.ok()) {
                           done(fail(r.error()));
                           return;
                       }
                       done(listedIn(r.value(), aor, fingerprint));
                   });
}

} // namespace napkin::discovery
