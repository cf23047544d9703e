// RunList: one bucket's runs in a manifest, oldest first, kept in fixed-size chunks that manifests
// share. A commit makes a new manifest from the last one (manifest.h): with a plain vector it
// copied every run of every bucket, and retention keeps every run hidden by compaction for as long
// as a version inside it can read them (24 hours by default), so a table that commits often paid
// more for each commit, and held another copy of its whole history for each reader, the longer
// it lived. Copying a RunList copies its chunk pointers; appending copies at most the last chunk
// (when an older manifest shares it). A chunk is never changed once another list shares it.
//
// Reads as a const sequence (size, [], begin/end, rbegin/rend). A compaction keeps the runs hidden
// before it as they are (Prefix), retention drops the oldest (DropFront); other changes (a
// truncate's hiding, recovery's sort) rebuild the list from a vector.
#pragma once

#include <algorithm>
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
  const RunRef& operator[](size_t i) const {
    const size_t at = offset_ + i;
    return (*chunks_[at / kChunkRuns])[at % kChunkRuns];
  }
  const RunRef& front() const { return (*this)[0]; }
  const RunRef& back() const { return (*this)[size_ - 1]; }

  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  RunList(const RunList& o) : chunks_(o.chunks_), offset_(o.offset_), size_(o.size_) {}
  RunList& operator=(const RunList& o) {
    chunks_ = o.chunks_;
    offset_ = o.offset_;
    size_ = o.size_;
    last_owned_ = false;
    return *this;
  }
  RunList(RunList&&) = default;
  RunList& operator=(RunList&&) = default;

  void push_back(RunRef run) {
    if ((offset_ + size_) % kChunkRuns == 0) {
      chunks_.push_back(NewChunk());
      last_owned_ = true;
    } else if (!last_owned_) {
      // Shared with the list this one was copied from, which must not see the append.
      // Its runs up to this list's end only: a prefix (Prefix) ends inside the chunk.
      const auto used = static_cast<std::ptrdiff_t>((offset_ + size_ - 1) % kChunkRuns + 1);
      auto own = NewChunk();
      own->assign(chunks_.back()->begin(), chunks_.back()->begin() + used);
      chunks_.back() = std::move(own);
      last_owned_ = true;
    }
    chunks_.back()->push_back(std::move(run));
    ++size_;
  }

  std::vector<RunRef> ToVector() const { return {begin(), end()}; }

  // The first `n` runs, sharing this list's chunks (the last one partly: it is copied on the
  // first append).
  RunList Prefix(size_t n) const {
    RunList out;
    if (n == 0) return out;
    const size_t end = offset_ + std::min(n, size_);
    out.chunks_.assign(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(
                                                              (end + kChunkRuns - 1) / kChunkRuns));
    out.offset_ = offset_;
    out.size_ = end - offset_;
    return out;
  }

  // Takes off the first `n` runs (retention drops the oldest); the chunks they alone filled go.
  void DropFront(size_t n) {
    n = std::min(n, size_);
    if (n == size_) {
      *this = RunList();
      return;
    }
    offset_ += n;
    size_ -= n;
    const size_t whole = offset_ / kChunkRuns;
    chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(whole));
    offset_ -= whole * kChunkRuns;
  }

 private:
  static std::shared_ptr<std::vector<RunRef>> NewChunk() {
    auto c = std::make_shared<std::vector<RunRef>>();
    c->reserve(kChunkRuns);
    return c;
  }

  // Every chunk but the last holds kChunkRuns runs; the list's runs start `offset_` into the first
  // (DropFront). Only the last chunk is ever appended to, and only when this list made it
  // (last_owned_): a copy shares it until its first append. A list is not appended to once copied
  // (a manifest is built, then published, then only read and copied).
  std::vector<std::shared_ptr<std::vector<RunRef>>> chunks_;
  size_t offset_ = 0;
  size_t size_ = 0;
  bool last_owned_ = false;
};

}  // namespace deltatunnel::storage
