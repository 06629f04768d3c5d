// TaskFeed's watermark and its listener over a real store: entries become
// readable in sequence order even when commands settle out of order, and
// the listener names exactly the libraries whose feeds gained readable
// entries, so a server wakes only those libraries' subscribers.
#include "engine/task_feed.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TaskFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store::Options options;
    options.dir = tmp_.Sub("db");
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto feed = TaskFeed::Open(*store_);
    ASSERT_TRUE(feed.ok()) << feed.status();
    feed_ = *std::move(feed);
    feed_->SetListener([this](const std::vector<std::string>& libraries) {
      woken_.push_back(libraries);
    });
  }

  // Writes one entry per library under seq, then settles it.
  void Commit(uint64_t seq, const std::vector<std::string>& libraries) {
    Batch batch(*store_);
    storage::v1::FeedRecord record;
    record.set_request_id(seq);
    for (const auto& library : libraries) {
      TaskFeed::Put(batch, library, seq, record);
    }
    TaskFeed::PutSeq(batch, seq);
    ASSERT_TRUE(store_->Write(batch).ok());
    feed_->Settle(seq, libraries);
  }

  size_t Readable(const std::string& library) {
    auto entries = feed_->Read(library, 0, 100);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? entries->size() : 0;
  }

  testing::TempDir tmp_{"task_feed"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<TaskFeed> feed_;
  std::vector<std::vector<std::string>> woken_;
};

TEST_F(TaskFeedTest, ListenerNamesTheLibrariesOfEachSettledCommand) {
  const uint64_t first = feed_->Reserve();
  Commit(first, {"jkt", "bdg"});
  ASSERT_THAT(woken_, ElementsAre(ElementsAre("jkt", "bdg")));
  EXPECT_EQ(Readable("jkt"), 1u);
  EXPECT_EQ(Readable("tpi"), 0u);

  // A failed write settles with no libraries: nobody is woken.
  feed_->Settle(feed_->Reserve(), {});
  EXPECT_EQ(woken_.size(), 1u);
}

TEST_F(TaskFeedTest, OutOfOrderSettlesWakeOnlyOnceReadable) {
  const uint64_t early = feed_->Reserve();
  const uint64_t late = feed_->Reserve();
  Commit(late, {"tpi"});
  // Below the watermark nothing is readable yet, so nobody is woken.
  EXPECT_THAT(woken_, IsEmpty());
  EXPECT_EQ(Readable("tpi"), 0u);
  Commit(early, {"jkt"});
  ASSERT_THAT(woken_, ElementsAre(ElementsAre("jkt", "tpi")));
  EXPECT_EQ(Readable("tpi"), 1u);
  EXPECT_EQ(Readable("jkt"), 1u);
}

}  // namespace
}  // namespace silang
