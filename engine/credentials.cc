#include "engine/credentials.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/keys.h"
#include "engine/limits.h"
#include "engine/status_macros.h"

namespace silang {
namespace {

namespace s = storage::v1;

constexpr absl::string_view kTokenPrefix = "slg1";

absl::StatusOr<std::string> RandomHex(int bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), bytes) != 1) {
    return absl::InternalError("no randomness for a credential");
  }
  return absl::BytesToHexString(raw);
}

std::string Sha256(absl::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

std::string IdKey(absl::string_view id) {
  return keys::Builder().Str(id).Take();
}

absl::Status BadToken() {
  return absl::UnauthenticatedError(
      "credential not valid (unknown, wrong, expired or revoked)");
}

}  // namespace

absl::StatusOr<IssuedCredential> Credentials::Issue(
    CredentialRole role, absl::string_view library_id,
    absl::string_view label, absl::Duration ttl,
    absl::string_view issued_by) {
  if (role == s::CREDENTIAL_ROLE_UNSPECIFIED ||
      !s::CredentialRole_IsValid(role)) {
    return absl::InvalidArgumentError(
        "role: one of ADMIN, LIBRARIAN or AGENT");
  }
  if (role == s::CREDENTIAL_ROLE_ADMIN) {
    if (!library_id.empty()) {
      return absl::InvalidArgumentError(
          "library_id: an admin credential belongs to no library");
    }
  } else {
    RETURN_IF_ERROR(directory_.GetLibrary(library_id).status());
  }
  if (label.size() > limits::kNameLen) {
    return absl::InvalidArgumentError(
        absl::StrCat("label: longer than ", limits::kNameLen, " bytes"));
  }
  if (ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ttl: must not be negative");
  }
  ASSIGN_OR_RETURN(std::string id, RandomHex(8));
  ASSIGN_OR_RETURN(std::string secret, RandomHex(32));
  const int64_t now = clock_.NowMicros();
  IssuedCredential issued;
  CredentialRecord& r = issued.record;
  r.set_id(id);
  r.set_role(role);
  r.set_library_id(std::string(library_id));
  r.set_label(std::string(label));
  r.set_secret_sha256(Sha256(secret));
  r.set_created_at_us(now);
  if (ttl > absl::ZeroDuration()) {
    r.set_expires_at_us(now + absl::ToInt64Microseconds(ttl));
  }
  r.set_issued_by(std::string(issued_by));
  Batch batch(store_);
  batch.Put(Cf::kCredentials, IdKey(id), r);
  RETURN_IF_ERROR(store_.Write(batch));
  issued.token = absl::StrCat(kTokenPrefix, ".", id, ".", secret);
  r.clear_secret_sha256();
  return issued;
}

absl::Status Credentials::Revoke(absl::string_view id) {
  if (id.empty() || !keys::ValidPart(id) || id.size() > limits::kIdLen) {
    return absl::InvalidArgumentError("credential_id: malformed");
  }
  ASSIGN_OR_RETURN(auto rec,
                   store_.GetProto<CredentialRecord>(Cf::kCredentials,
                                                     IdKey(id)));
  if (!rec) {
    return absl::NotFoundError(absl::StrCat("credential ", id, " not found"));
  }
  if (rec->revoked_at_us() != 0) return absl::OkStatus();
  rec->set_revoked_at_us(clock_.NowMicros());
  Batch batch(store_);
  batch.Put(Cf::kCredentials, IdKey(id), *rec);
  absl::Status written = store_.Write(batch);
  // Even after a failed write: the store's state is not known.
  records_.Drop({std::string(id)});
  return written;
}

absl::StatusOr<std::vector<CredentialRecord>> Credentials::List() const {
  std::vector<CredentialRecord> out;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kCredentials, "", "", [&](absl::string_view k, absl::string_view v) {
        CredentialRecord r;
        if (!r.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kCredentials, k);
          return false;
        }
        r.clear_secret_sha256();
        out.push_back(std::move(r));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return out;
}

bool Credentials::Empty() const {
  auto last = store_.LastKey(Cf::kCredentials);
  return last.ok() && !last->has_value();
}

absl::StatusOr<Principal> Credentials::Authenticate(
    absl::string_view token) const {
  if (token.empty()) {
    return absl::UnauthenticatedError(
        "no credential: send \"authorization: Bearer <token>\"");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0] != kTokenPrefix || parts[1].empty() ||
      parts[1].size() > 32 || !keys::ValidPart(parts[1])) {
    return absl::UnauthenticatedError("credential malformed");
  }
  ASSIGN_OR_RETURN(
      std::shared_ptr<const CredentialRecord> rec,
      records_.GetOrBuild(
          parts[1],
          [&]() -> absl::StatusOr<std::shared_ptr<const CredentialRecord>> {
            ASSIGN_OR_RETURN(auto read,
                             store_.GetProto<CredentialRecord>(
                                 Cf::kCredentials, IdKey(parts[1])));
            if (!read) return BadToken();  // unknown ids are not kept
            return std::make_shared<const CredentialRecord>(*std::move(read));
          }));
  std::string digest = Sha256(parts[2]);
  if (rec->secret_sha256().size() != digest.size() ||
      CRYPTO_memcmp(digest.data(), rec->secret_sha256().data(),
                    digest.size()) != 0) {
    return BadToken();
  }
  const int64_t now = clock_.NowMicros();
  if (rec->revoked_at_us() != 0 ||
      (rec->expires_at_us() != 0 && rec->expires_at_us() <= now)) {
    return BadToken();
  }
  Principal p;
  p.role = rec->role();
  p.library_id = rec->library_id();
  p.credential_id = rec->id();
  return p;
}

}  // namespace silang
