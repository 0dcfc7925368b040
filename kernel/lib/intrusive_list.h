// IntrusiveList<T, Tag>: a doubly-linked list whose links live inside the objects it holds.
//
//   struct Frame : ListNode<FreeTag>, ListNode<LruTag> { ... };   // one node per list it can join
//   IntrusiveList<Frame, FreeTag> free_frames;
//   free_frames.push_back(frame);  Frame* f = free_frames.pop_front();
//
// Invariants:
//  - Never allocates: push, pop and remove are O(1) pointer updates on nodes the caller owns.
//  - A node is either unlinked (both links null) or on exactly one list of its Tag; is_linked()
//    tells which. Linking a linked node (double insertion) or unlinking an unlinked one panics
//    with the list and node addresses, because either would silently corrupt two lists.
//  - The list is circular through a sentinel node inside the list object, so no operation has an
//    empty/end special case; hence a list is neither copyable nor movable (nodes point at it).
//  - remove(x) trusts that x is on *this* list (checking costs O(n); contains() exists for
//    assertions). size() is kept exact by every operation.
//  - Nodes and lists are trivially destructible on purpose: the kernel has no atexit, and a global
//    list must be constant-initialized (constinit) so it is usable before any constructor runs.
//    The price: destroying an object that is still linked is not caught here.
//  - Iterators stay valid across removal of *other* elements; remove the current one through
//    remove_if() or by advancing first.
#pragma once

#include <stddef.h>

#include <concepts>
#include <type_traits>

#include "kernel/lib/panic.h"

namespace glass {

template <typename T, typename Tag>
class IntrusiveList;

template <typename Tag = void>
class ListNode {
 public:
  constexpr ListNode() = default;
  // Copying links would put two nodes in one slot of a list; containing objects copy explicitly.
  ListNode(const ListNode&) = delete;
  ListNode& operator=(const ListNode&) = delete;

  [[nodiscard]] bool is_linked() const { return next_ != nullptr; }

 private:
  template <typename, typename>
  friend class IntrusiveList;
  constexpr ListNode(ListNode* prev, ListNode* next) : prev_(prev), next_(next) {}

  ListNode* prev_ = nullptr;
  ListNode* next_ = nullptr;
};

static_assert(sizeof(ListNode<>) == 2 * sizeof(void*), "a list node is exactly two links");
static_assert(std::is_trivially_destructible_v<ListNode<>>);

template <typename T, typename Tag = void>
class IntrusiveList {
  using Node = ListNode<Tag>;

 public:
  template <bool kConst>
  class Iterator {
    using NodePtr = std::conditional_t<kConst, const Node*, Node*>;
    using Ptr = std::conditional_t<kConst, const T*, T*>;
    using Ref = std::conditional_t<kConst, const T&, T&>;

   public:
    using value_type = T;
    using difference_type = ptrdiff_t;

    Iterator() = default;
    Ref operator*() const { return *static_cast<Ptr>(node_); }
    Ptr operator->() const { return static_cast<Ptr>(node_); }
    Iterator& operator++() {
      node_ = node_->next_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      node_ = node_->next_;
      return old;
    }
    Iterator& operator--() {
      node_ = node_->prev_;
      return *this;
    }
    Iterator operator--(int) {
      Iterator old = *this;
      node_ = node_->prev_;
      return old;
    }
    bool operator==(const Iterator& o) const { return node_ == o.node_; }

   private:
    friend class IntrusiveList;
    explicit Iterator(NodePtr n) : node_(n) {}
    NodePtr node_ = nullptr;
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  constexpr IntrusiveList() : head_(&head_, &head_) {
    static_assert(std::derived_from<T, Node>, "T must inherit ListNode<Tag> (publicly)");
  }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  [[nodiscard]] bool empty() const { return head_.next_ == &head_; }
  [[nodiscard]] size_t size() const { return size_; }

  // nullptr when empty.
  [[nodiscard]] T* front() { return empty() ? nullptr : as_t(head_.next_); }
  [[nodiscard]] T* back() { return empty() ? nullptr : as_t(head_.prev_); }

  void push_front(T& v) { link_after(&head_, &v); }
  void push_back(T& v) { link_after(head_.prev_, &v); }
  // pos must be on this list.
  void insert_before(T& pos, T& v) { link_after(linked(node(pos))->prev_, &v); }
  void insert_after(T& pos, T& v) { link_after(linked(node(pos)), &v); }

  // Unlinks and returns the first/last element, or nullptr when empty.
  [[nodiscard]] T* pop_front() {
    if (empty()) return nullptr;
    T* v = as_t(head_.next_);
    unlink(v);
    return v;
  }
  [[nodiscard]] T* pop_back() {
    if (empty()) return nullptr;
    T* v = as_t(head_.prev_);
    unlink(v);
    return v;
  }

  // v must be on this list (see the file-top comment).
  void remove(T& v) { unlink(&v); }

  // Unlinks every element for which pred(T&) is true; returns how many.
  template <typename Pred>
  size_t remove_if(Pred pred) {
    size_t removed = 0;
    for (Node* n = head_.next_; n != &head_;) {
      Node* next = n->next_;
      if (pred(*as_t(n))) {
        unlink(as_t(n));
        ++removed;
      }
      n = next;
    }
    return removed;
  }

  // Unlinks everything, leaving every former element unlinked (re-insertable).
  void clear() {
    while (!empty()) (void)pop_front();
  }

  // O(n); for assertions and tests.
  [[nodiscard]] bool contains(const T& v) const {
    for (const Node* n = head_.next_; n != &head_; n = n->next_) {
      if (n == node(v)) return true;
    }
    return false;
  }

  iterator begin() { return iterator(head_.next_); }
  iterator end() { return iterator(&head_); }
  const_iterator begin() const { return const_iterator(head_.next_); }
  const_iterator end() const { return const_iterator(&head_); }

 private:
  static Node* node(T& v) { return static_cast<Node*>(&v); }
  static const Node* node(const T& v) { return static_cast<const Node*>(&v); }
  static T* as_t(Node* n) { return static_cast<T*>(n); }

  Node* linked(Node* pos) {
    if (!pos->is_linked()) {
      panic("intrusive list %p: inserting next to node %p that is not linked",
            static_cast<void*>(this), static_cast<void*>(pos));
    }
    return pos;
  }

  void link_after(Node* at, T* v) {
    Node* n = node(*v);
    if (n->is_linked()) {
      panic("intrusive list %p: node %p is already linked (double insertion)",
            static_cast<void*>(this), static_cast<void*>(n));
    }
    n->prev_ = at;
    n->next_ = at->next_;
    at->next_->prev_ = n;
    at->next_ = n;
    ++size_;
  }

  void unlink(T* v) {
    Node* n = node(*v);
    if (!n->is_linked()) {
      panic("intrusive list %p: removing node %p that is not linked", static_cast<void*>(this),
            static_cast<void*>(n));
    }
    n->prev_->next_ = n->next_;
    n->next_->prev_ = n->prev_;
    n->prev_ = nullptr;
    n->next_ = nullptr;
    --size_;
  }

  Node head_;
  size_t size_ = 0;
};

}  // namespace glass
