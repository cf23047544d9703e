// RunList: one bucket's runs in a manifest, oldest first, kept in fixed-size chunks that manifests
// share. A commit makes a new manifest from the last one (manifest.h): with a plain vector it
// copied every run of every bucket, and retention keeps every run hidden by compaction for as long
// as a version inside it can read them (24 hours by default), so a table that commits often paid
// more for each commit, and held another copy of its whole history for each reader, the longer
// it lived. Copying a RunList copies its chunk pointers; appending copies at most the last chunk
// (when an older manifest shares it). A chunk is never changed once another list shares it.
//
// Reads as a const sequence (size, [], begin/end, rbegin/rend); changes other than an append
// (retention's drop, a truncate's hiding, recovery's sort) rebuild the list from a vector.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "run_ref.h"

namespace deltatunnel::storage {

class RunList {
 public:
  static constexpr size_t kChunkRuns = 64;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = RunRef;
    using difference_type = std::ptrdiff_t;
    using pointer = const RunRef*;
    using reference = const RunRef&;

    const_iterator() = default;
    const_iterator(const RunList* list, size_t i) : list_(list), i_(i) {}
    reference operator*() const { return (*list_)[i_]; }
    pointer operator->() const { return &(*list_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator t = *this;
      ++i_;
      return t;
    }
    const_iterator& operator--() {
      --i_;
      return *this;
    }
    const_iterator operator--(int) {
      const_iterator t = *this;
      --i_;
      return t;
    }
    const_iterator& operator+=(difference_type n) {
      i_ = static_cast<size_t>(static_cast<difference_type>(i_) + n);
      return *this;
    }
    const_iterator& operator-=(difference_type n) { return *this += -n; }
    const_iterator operator+(difference_type n) const {
      const_iterator t = *this;
      return t += n;
    }
    const_iterator operator-(difference_type n) const {
      const_iterator t = *this;
      return t -= n;
    }
    difference_type operator-(const const_iterator& o) const {
      return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_);
    }
    reference operator[](difference_type n) const { return *(*this + n); }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }
    bool operator<(const const_iterator& o) const { return i_ < o.i_; }
    bool operator>(const const_iterator& o) const { return i_ > o.i_; }
    bool operator<=(const const_iterator& o) const { return i_ <= o.i_; }
    bool operator>=(const const_iterator& o) const { return i_ >= o.i_; }

   private:
    const RunList* list_ = nullptr;
    size_t i_ = 0;
  };
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  RunList() = default;
  explicit RunList(std::vector<RunRef> runs) {
    for (RunRef& r : runs) push_back(std::move(r));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const RunRef& operator[](size_t i) const { return (*chunks_[i / kChunkRuns])[i % kChunkRuns]; }
  const RunRef& front() const { return (*this)[0]; }
  const RunRef& back() const { return (*this)[size_ - 1]; }

  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  RunList(const RunList& o) : chunks_(o.chunks_), size_(o.size_) {}
  RunList& operator=(const RunList& o) {
    chunks_ = o.chunks_;
    size_ = o.size_;
    last_owned_ = false;
    return *this;
  }
  RunList(RunList&&) = default;
  RunList& operator=(RunList&&) = default;

  void push_back(RunRef run) {
    if (size_ % kChunkRuns == 0) {
      chunks_.push_back(NewChunk());
      last_owned_ = true;
    } else if (!last_owned_) {
      // Shared with the list this one was copied from, which must not see the append.
      auto own = NewChunk();
      own->assign(chunks_.back()->begin(), chunks_.back()->end());
      chunks_.back() = std::move(own);
      last_owned_ = true;
    }
    chunks_.back()->push_back(std::move(run));
    ++size_;
  }

  std::vector<RunRef> ToVector() const { return {begin(), end()}; }

 private:
  static std::shared_ptr<std::vector<RunRef>> NewChunk() {
    auto c = std::make_shared<std::vector<RunRef>>();
    c->reserve(kChunkRuns);
    return c;
  }

  // Every chunk but the last holds kChunkRuns runs. Only the last is ever appended to, and only
  // when this list made it (last_owned_): a copy shares it until its first append. A list is not
  // appended to once copied (a manifest is built, then published, then only read and copied).
  std::vector<std::shared_ptr<std::vector<RunRef>>> chunks_;
  size_t size_ = 0;
  bool last_owned_ = false;
};

}  // namespace deltatunnel::storage
