// The API enums (silang.v1) and the storage enums (silang.storage.v1) are
// converted by number (services/convert.cc casts them), so each pair must
// hold the same values under the same numbers, with the same names once
// the type prefix is stripped. Checked through the descriptors.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "silang/v1/admin.pb.h"
#include "silang/v1/directory.pb.h"
#include "silang/v1/types.pb.h"

namespace silang {
namespace {

namespace pb = google::protobuf;

struct EnumPair {
  const pb::EnumDescriptor* api;
  const char* api_prefix;
  const pb::EnumDescriptor* storage;
  const char* storage_prefix;
};

std::vector<EnumPair> Pairs() {
  namespace s = storage::v1;
  return {
      {v1::RequestState_descriptor(), "REQUEST_STATE_", s::State_descriptor(),
       "STATE_"},
      {v1::Action_descriptor(), "ACTION_", s::Action_descriptor(), "ACTION_"},
      {v1::Role_descriptor(), "ROLE_", s::Role_descriptor(), "ROLE_"},
      {v1::ServiceType_descriptor(), "SERVICE_TYPE_",
       s::ServiceType_descriptor(), "SERVICE_TYPE_"},
      {v1::ServiceLevel_descriptor(), "SERVICE_LEVEL_",
       s::ServiceLevel_descriptor(), "SERVICE_LEVEL_"},
      {v1::Reason_descriptor(), "REASON_", s::Reason_descriptor(), "REASON_"},
      {v1::MaterialType_descriptor(), "MATERIAL_TYPE_",
       s::MaterialType_descriptor(), "MATERIAL_TYPE_"},
      {v1::LibraryStatus_descriptor(), "LIBRARY_STATUS_",
       s::LibraryStatus_descriptor(), "LIBRARY_STATUS_"},
      {v1::PartnershipTerms_descriptor(), "PARTNERSHIP_TERMS_",
       s::PartnershipTerms_descriptor(), "PARTNERSHIP_TERMS_"},
      {v1::Availability_descriptor(), "AVAILABILITY_",
       s::Availability_descriptor(), "AVAILABILITY_"},
      {v1::CredentialRole_descriptor(), "CREDENTIAL_ROLE_",
       s::CredentialRole_descriptor(), "CREDENTIAL_ROLE_"},
  };
}

std::string Stripped(const pb::EnumValueDescriptor* v,
                     const std::string& prefix) {
  EXPECT_TRUE(absl::StartsWith(v->name(), prefix))
      << v->full_name() << " lacks the prefix " << prefix;
  return v->name().substr(std::min(prefix.size(), v->name().size()));
}

TEST(EnumParityTest, EachPairHasTheSameValuesUnderTheSameNumbers) {
  for (const EnumPair& p : Pairs()) {
    SCOPED_TRACE(p.api->full_name());
    ASSERT_EQ(p.api->value_count(), p.storage->value_count())
        << p.storage->full_name();
    for (int i = 0; i < p.api->value_count(); ++i) {
      const pb::EnumValueDescriptor* a = p.api->value(i);
      const pb::EnumValueDescriptor* s =
          p.storage->FindValueByNumber(a->number());
      ASSERT_NE(s, nullptr)
          << a->full_name() << " = " << a->number() << " has no storage value";
      EXPECT_EQ(Stripped(a, p.api_prefix), Stripped(s, p.storage_prefix))
          << a->full_name() << " vs " << s->full_name();
    }
    // Both start with the zero value, ..._UNSPECIFIED.
    EXPECT_EQ(p.api->value(0)->number(), 0);
    EXPECT_EQ(Stripped(p.api->value(0), p.api_prefix), "UNSPECIFIED");
  }
}

// A new enum in the API must get its storage twin and a row above.
TEST(EnumParityTest, EveryApiEnumIsChecked) {
  std::set<std::string> checked;
  for (const EnumPair& p : Pairs()) checked.insert(p.api->full_name());
  for (const pb::FileDescriptor* file :
       {v1::Request::descriptor()->file(), v1::Library::descriptor()->file()}) {
    for (int i = 0; i < file->enum_type_count(); ++i) {
      EXPECT_TRUE(checked.count(file->enum_type(i)->full_name()))
          << file->enum_type(i)->full_name() << " in " << file->name()
          << " has no parity row";
    }
  }
}

}  // namespace
}  // namespace silang
