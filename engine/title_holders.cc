#include "engine/title_holders.h"

namespace silang {
namespace {

namespace s = storage::v1;

int Rank(s::Availability a) {
  switch (a) {
    case s::AVAILABILITY_ON_SHELF:
      return 3;
    case s::AVAILABILITY_UNSPECIFIED:
      return 2;
    case s::AVAILABILITY_ON_LOAN:
      return 1;
    default:
      return 0;  // not for loan, withdrawn
  }
}

}  // namespace

s::Availability BetterCopy(s::Availability a, s::Availability b) {
  return Rank(b) > Rank(a) ? b : a;
}

}  // namespace silang
