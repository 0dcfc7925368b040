// Block requests from the kernel's block events; see block_requests.h.
#include "inspector/model/block_requests.h"

namespace glass::inspector {

const char* state_name(BlockRequest::State s) {
  switch (s) {
    case BlockRequest::State::kTagged:
      return "tag taken";
    case BlockRequest::State::kInFlight:
      return "in flight";
    case BlockRequest::State::kDeviceDone:
      return "device done";
    case BlockRequest::State::kTimedOut:
      return "timed out";
    case BlockRequest::State::kEnded:
      return "ended";
  }
  return "?";
}

const char* refcount_meaning(uint32_t refcount) {
  switch (refcount) {
    case 0:
      return "the block layer owns it";
    case 1:
      return "in flight only (the driver kept just the tag)";
    case 2:
      return "driver + in flight";
    default:
      return "driver + in flight + others (a lookup, a completion path)";
  }
}

BlockRequest* BlockRequests::find(uint32_t disk, uint32_t tag) {
  auto it = live_.find({disk, tag});
  return it == live_.end() ? nullptr : &it->second;
}

void BlockRequests::apply(const telemetry::Event& e) {
  using telemetry::MsgType;
  switch (e.type) {
    case MsgType::kBlockTag: {
      BlockRequest r;
      r.disk = e.block_tag.disk;
      r.tag = e.block_tag.tag;
      r.t_tagged = r.t_last = e.block_tag.t;
      live_[{r.disk, r.tag}] = r;
      return;
    }
    case MsgType::kBlockDispatch: {
      // The dispatch says the tag was taken (no block_tag precedes it): the request starts here.
      auto [it, fresh] = live_.try_emplace({e.block_dispatch.disk, e.block_dispatch.tag});
      BlockRequest* r = &it->second;
      if (fresh) {
        r->disk = e.block_dispatch.disk;
        r->tag = e.block_dispatch.tag;
        r->t_tagged = e.block_dispatch.t;
      }
      r->state = BlockRequest::State::kInFlight;
      r->write = e.block_dispatch.op == 1;
      r->sectors = e.block_dispatch.sectors;
      r->sector = e.block_dispatch.sector;
      r->buffer = e.block_dispatch.buffer;
      r->frames = e.block_dispatch.frames;
      r->refcount = 2;  // dispatch means driver + in flight (no block_ref says so)
      r->t_last = r->t_dispatch = e.block_dispatch.t;
      return;
    }
    case MsgType::kBlockRef:
      if (BlockRequest* r = find(e.block_ref.disk, e.block_ref.tag)) {
        r->refcount = e.block_ref.refcount;
      }
      return;
    case MsgType::kBlockDeviceDone:
      if (BlockRequest* r = find(e.block_device_done.disk, e.block_device_done.tag)) {
        r->state = BlockRequest::State::kDeviceDone;
        r->status = e.block_device_done.status;
        r->t_last = r->t_device_done = e.block_device_done.t;
      }
      return;
    case MsgType::kBlockTimeout:
      if (BlockRequest* r = find(e.block_timeout.disk, e.block_timeout.tag)) {
        r->state = BlockRequest::State::kTimedOut;
        r->t_last = r->t_timeout = e.block_timeout.t;
      }
      return;
    case MsgType::kBlockEnd:
      if (BlockRequest* r = find(e.block_end.disk, e.block_end.tag)) {
        r->state = BlockRequest::State::kEnded;
        r->status = e.block_end.status;
        r->refcount = 0;
        r->t_last = r->t_end = e.block_end.t;
        ended_.push_back(*r);
        if (ended_.size() > kMaxEnded) ended_.pop_front();
        ++ended_total_;
        live_.erase({e.block_end.disk, e.block_end.tag});  // the end frees the tag too
      }
      return;
    case MsgType::kBlockTagFree:  // a tag given back without a dispatch
      live_.erase({e.block_tag_free.disk, e.block_tag_free.tag});
      return;
    default:
      return;
  }
}

}  // namespace glass::inspector
