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

std::shared_ptr<const TitleHolders> TitleHoldersCache::Find(
    absl::string_view title) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = titles_.find(title);
  return it == titles_.end() ? nullptr : it->second;
}

uint64_t TitleHoldersCache::generation() const {
  absl::ReaderMutexLock lock(&mu_);
  return gen_;
}

void TitleHoldersCache::Insert(absl::string_view title,
                               std::shared_ptr<const TitleHolders> holders,
                               uint64_t gen) {
  const size_t n = holders->size() + 1;  // an empty title costs a slot too
  if (n > max_holders_) return;
  absl::MutexLock lock(&mu_);
  if (gen != gen_ || titles_.contains(title)) return;
  if (holders_ + n > max_holders_) {
    // Evict about a quarter, in hash order.
    const size_t target = max_holders_ - max_holders_ / 4;
    for (auto it = titles_.begin();
         it != titles_.end() && holders_ + n > target;) {
      holders_ -= it->second->size() + 1;
      titles_.erase(it++);
    }
  }
  holders_ += n;
  titles_.emplace(title, std::move(holders));
}

void TitleHoldersCache::Drop(const std::vector<std::string>& titles) {
  absl::MutexLock lock(&mu_);
  ++gen_;
  for (const std::string& t : titles) {
    auto it = titles_.find(t);
    if (it == titles_.end()) continue;
    holders_ -= it->second->size() + 1;
    titles_.erase(it);
  }
}

void TitleHoldersCache::Clear() {
  absl::MutexLock lock(&mu_);
  ++gen_;
  titles_.clear();
  holders_ = 0;
}

void TitleHoldersCache::Touch() {
  absl::MutexLock lock(&mu_);
  ++gen_;
}

size_t TitleHoldersCache::titles() const {
  absl::ReaderMutexLock lock(&mu_);
  return titles_.size();
}

size_t TitleHoldersCache::holders() const {
  absl::ReaderMutexLock lock(&mu_);
  return holders_;
}

}  // namespace silang
