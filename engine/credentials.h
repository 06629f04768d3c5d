// Credentials: bearer tokens that bind a caller to a role (network admin,
// librarian of a library, agent of a library).
//
// A token reads "slg1.<id>.<secret>": the id names the stored record, the
// secret is 32 random bytes in hex. Only the secret's SHA-256 is stored, and
// it is compared in constant time. Tokens may expire; revoked ones stop
// working at once.
//
// Every RPC authenticates, so records are kept in memory after their first
// use (engine/guarded_cache.h): Revoke drops the record once its write is
// durable, a read that raced with a revocation is not kept, and expiry is
// checked against the clock at every call, so a cached record never
// outlives its revocation or expiry. Thread-safe.
#ifndef SILANG_ENGINE_CREDENTIALS_H_
#define SILANG_ENGINE_CREDENTIALS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/guarded_cache.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

using storage::v1::CredentialRecord;
using storage::v1::CredentialRole;

// Who is calling, once a token checks out.
struct Principal {
  CredentialRole role = storage::v1::CREDENTIAL_ROLE_UNSPECIFIED;
  std::string library_id;     // empty for admins
  std::string credential_id;  // empty in demo mode
  bool demo = false;          // open access: no credential was required
};

struct IssuedCredential {
  CredentialRecord record;
  std::string token;  // shown once, never stored
};

class Credentials {
 public:
  // Borrows store, directory and clock; they must outlive this.
  Credentials(Store& store, const Directory& directory, const Clock& clock)
      : store_(store), directory_(directory), clock_(clock) {}

  // A new credential. Librarians and agents need a library in the
  // directory; ttl zero means no expiry.
  absl::StatusOr<IssuedCredential> Issue(CredentialRole role,
                                         absl::string_view library_id,
                                         absl::string_view label,
                                         absl::Duration ttl,
                                         absl::string_view issued_by);
  absl::Status Revoke(absl::string_view id);
  // Every credential (without secrets), in id order.
  absl::StatusOr<std::vector<CredentialRecord>> List() const;
  bool Empty() const;

  // Unauthenticated for a missing, malformed, unknown, wrong, expired or
  // revoked token; the message never says which secret was wrong.
  absl::StatusOr<Principal> Authenticate(absl::string_view token) const;

 private:
  Store& store_;
  const Directory& directory_;
  const Clock& clock_;
  // By credential id; only records that exist (unknown ids are not kept).
  mutable GuardedCache<CredentialRecord> records_;
};

}  // namespace silang

#endif  // SILANG_ENGINE_CREDENTIALS_H_
