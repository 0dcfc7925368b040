// IntrusiveList: order, O(1) operations, several lists per object, misuse panics, and a seeded
// differential run against std::list as the reference model.
#include "kernel/lib/intrusive_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <list>
#include <random>
#include <vector>

#include "tests/host/lib/test_seed.h"

namespace glass {
namespace {

struct ATag {};
struct BTag {};

struct Item : ListNode<>, ListNode<ATag>, ListNode<BTag> {
  explicit Item(int v) : value(v) {}
  int value;
};

using List = IntrusiveList<Item>;
using AList = IntrusiveList<Item, ATag>;

std::vector<int> values(const List& l) {
  std::vector<int> out;
  for (const Item& i : l) out.push_back(i.value);
  return out;
}

// A global list must be constant-initialized: usable before any constructor has run.
constinit IntrusiveList<Item> g_global_list;

TEST(IntrusiveList, StartsEmpty) {
  List l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.size(), 0u);
  EXPECT_EQ(l.front(), nullptr);
  EXPECT_EQ(l.back(), nullptr);
  EXPECT_EQ(l.pop_front(), nullptr);
  EXPECT_EQ(l.pop_back(), nullptr);
  EXPECT_EQ(l.begin(), l.end());
  EXPECT_TRUE(g_global_list.empty());
}

TEST(IntrusiveList, PushPopOrder) {
  Item a(1), b(2), c(3);
  List l;
  l.push_back(b);
  l.push_front(a);
  l.push_back(c);
  EXPECT_EQ(values(l), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(l.size(), 3u);
  EXPECT_EQ(l.front(), &a);
  EXPECT_EQ(l.back(), &c);
  EXPECT_TRUE(a.ListNode<>::is_linked());
  EXPECT_EQ(l.pop_front(), &a);
  EXPECT_FALSE(a.ListNode<>::is_linked());
  EXPECT_EQ(l.pop_back(), &c);
  EXPECT_EQ(l.pop_back(), &b);
  EXPECT_TRUE(l.empty());
  EXPECT_FALSE(b.ListNode<>::is_linked());
}

TEST(IntrusiveList, RemoveFromAnyPosition) {
  Item a(1), b(2), c(3), d(4);
  List l;
  for (Item* i : {&a, &b, &c, &d}) l.push_back(*i);
  l.remove(b);
  EXPECT_EQ(values(l), (std::vector<int>{1, 3, 4}));
  l.remove(d);
  EXPECT_EQ(values(l), (std::vector<int>{1, 3}));
  l.remove(a);
  EXPECT_EQ(values(l), (std::vector<int>{3}));
  l.remove(c);
  EXPECT_TRUE(l.empty());
  // A removed node can go back in.
  l.push_back(b);
  EXPECT_EQ(values(l), (std::vector<int>{2}));
  l.clear();
}

TEST(IntrusiveList, InsertBeforeAndAfter) {
  Item a(1), b(2), c(3), d(4);
  List l;
  l.push_back(b);
  l.insert_before(b, a);
  l.insert_after(b, d);
  l.insert_after(b, c);
  EXPECT_EQ(values(l), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(l.size(), 4u);
  l.clear();
}

TEST(IntrusiveList, IteratesBothWaysAndMutably) {
  Item a(1), b(2), c(3);
  List l;
  for (Item* i : {&a, &b, &c}) l.push_back(*i);
  for (Item& i : l) i.value *= 10;
  std::vector<int> backwards;
  auto it = l.end();
  while (it != l.begin()) backwards.push_back((--it)->value);
  EXPECT_EQ(backwards, (std::vector<int>{30, 20, 10}));
  auto post = l.begin();
  EXPECT_EQ((post++)->value, 10);
  EXPECT_EQ(post->value, 20);
  l.clear();
}

TEST(IntrusiveList, RemoveIfAndClearLeaveNodesUnlinked) {
  std::deque<Item> items;
  for (int i = 0; i < 10; ++i) items.emplace_back(i);
  List l;
  for (Item& i : items) l.push_back(i);
  EXPECT_EQ(l.remove_if([](Item& i) { return i.value % 2 == 0; }), 5u);
  EXPECT_EQ(values(l), (std::vector<int>{1, 3, 5, 7, 9}));
  EXPECT_FALSE(items[4].ListNode<>::is_linked());
  EXPECT_TRUE(l.contains(items[3]));
  EXPECT_FALSE(l.contains(items[4]));
  l.clear();
  EXPECT_TRUE(l.empty());
  for (Item& i : items) EXPECT_FALSE(i.ListNode<>::is_linked());
}

TEST(IntrusiveList, OneObjectOnSeveralListsByTag) {
  Item a(1), b(2);
  List plain;
  AList by_a;
  plain.push_back(a);
  plain.push_back(b);
  by_a.push_back(b);
  by_a.push_back(a);
  EXPECT_EQ(plain.front(), &a);
  EXPECT_EQ(by_a.front(), &b);
  plain.remove(a);
  EXPECT_FALSE(a.ListNode<>::is_linked());
  EXPECT_TRUE(a.ListNode<ATag>::is_linked());
  EXPECT_FALSE(a.ListNode<BTag>::is_linked());
  EXPECT_EQ(by_a.size(), 2u);
  plain.clear();
  by_a.clear();
}

TEST(IntrusiveListDeathTest, DoubleInsertionPanics) {
  Item a(1);
  List l1, l2;
  l1.push_back(a);
  EXPECT_DEATH(l1.push_back(a),
               "PANIC: intrusive list 0x[0-9a-f]+: node 0x[0-9a-f]+ is already "
               "linked \\(double insertion\\)");
  EXPECT_DEATH(l2.push_front(a), "already linked");
  l1.clear();
}

TEST(IntrusiveListDeathTest, RemovingUnlinkedNodePanics) {
  Item a(1);
  List l;
  EXPECT_DEATH(l.remove(a),
               "PANIC: intrusive list 0x[0-9a-f]+: removing node 0x[0-9a-f]+ that "
               "is not linked");
}

TEST(IntrusiveListDeathTest, InsertingNextToUnlinkedNodePanics) {
  Item a(1), b(2);
  List l;
  EXPECT_DEATH(l.insert_after(a, b), "inserting next to node 0x[0-9a-f]+ that is not linked");
}

TEST(IntrusiveList, RandomOperationsMatchStdList) {
  const uint64_t seed = testing::test_seed();
  GLASS_SEED_TRACE(seed);
  std::mt19937_64 rng(seed);
  constexpr int kItems = 64;
  std::deque<Item> items;
  for (int i = 0; i < kItems; ++i) items.emplace_back(i);
  List l;
  std::list<int> model;
  auto in_model = [&](int v) { return std::find(model.begin(), model.end(), v) != model.end(); };
  for (int step = 0; step < 20000; ++step) {
    const int v = static_cast<int>(rng() % kItems);
    Item& item = items[static_cast<size_t>(v)];
    switch (rng() % 6) {
      case 0:
        if (!in_model(v)) l.push_back(item), model.push_back(v);
        break;
      case 1:
        if (!in_model(v)) l.push_front(item), model.push_front(v);
        break;
      case 2: {
        Item* got = l.pop_front();
        if (model.empty()) {
          ASSERT_EQ(got, nullptr);
        } else {
          ASSERT_NE(got, nullptr);
          ASSERT_EQ(got->value, model.front());
          model.pop_front();
        }
        break;
      }
      case 3: {
        Item* got = l.pop_back();
        if (model.empty()) {
          ASSERT_EQ(got, nullptr);
        } else {
          ASSERT_NE(got, nullptr);
          ASSERT_EQ(got->value, model.back());
          model.pop_back();
        }
        break;
      }
      case 4:
        if (in_model(v)) l.remove(item), model.remove(v);
        break;
      case 5: {
        // Insert an unlinked item after a linked one.
        const int w = static_cast<int>(rng() % kItems);
        if (in_model(v) && !in_model(w)) {
          l.insert_after(item, items[static_cast<size_t>(w)]);
          model.insert(std::next(std::find(model.begin(), model.end(), v)), w);
        }
        break;
      }
    }
    ASSERT_EQ(l.size(), model.size());
    ASSERT_EQ(item.ListNode<>::is_linked(), in_model(v));
    if (step % 64 == 0) {
      ASSERT_EQ(values(l), std::vector<int>(model.begin(), model.end())) << "step " << step;
    }
  }
  l.clear();
}

}  // namespace
}  // namespace glass
