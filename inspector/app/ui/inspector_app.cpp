// InspectorApp: see inspector_app.h.
#include "inspector/app/ui/inspector_app.h"

#include <imgui.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "inspector/app/png_writer.h"
#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/model/event_text.h"
#include "inspector/view/cursor_rows.h"
#include "inspector/view/palette.h"

namespace glass::inspector::app {

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

constexpr const char* kTabTitles[kViewCount] = {
    "Page tables###tree",  "Frames###frames", "Cursor locks###locks", "Page walk###walk",
    "Timeline###timeline", "Log###log",       "Invariants###inv",     "Block requests###block"};

}  // namespace

InspectorApp::~InspectorApp() {
  if (status_ != nullptr) std::fclose(status_);
}

void InspectorApp::status_line(const std::string& line) {
  std::printf("glass-inspect: %s\n", line.c_str());
  std::fflush(stdout);
  if (status_ != nullptr) {
    std::fprintf(status_, "%s\n", line.c_str());
    std::fflush(status_);
  }
}

bool InspectorApp::open_source(std::string& error) {
  if (opt_.status_file) {
    status_ = std::fopen(opt_.status_file->c_str(), "a");
    if (status_ == nullptr) {
      error = "cannot write the status file " + *opt_.status_file + ": " + std::strerror(errno);
      return false;
    }
  }
  if (opt_.replay_path) {
    auto replay = std::make_unique<ReplaySource>();
    if (!replay->open(*opt_.replay_path, error)) return false;
    // --at-event is checked here (a sentence and exit 1 past the end) and applied like any other
    // navigation, at the first frame.
    if (opt_.at_event && *opt_.at_event >= replay->event_count() &&
        !replay->seek_checked(*opt_.at_event, error))
      return false;
    status_line("replay " + replay->message());
    replay_ = replay.get();
    app_ = std::make_unique<AppState>(std::move(replay));
    if (opt_.at_event) app_->request(NavRequest::seek(static_cast<size_t>(*opt_.at_event)));
    return true;
  }
  auto live = std::make_unique<LiveSource>(opt_.socket_path);
  if (opt_.record_path && !live->start_recording(*opt_.record_path, error)) return false;
  live_ = live.get();
  app_ = std::make_unique<AppState>(std::move(live));
  return true;
}

void InspectorApp::poll_source() {
  if (!live_) return;
  live_->poll(LiveSource::Clock::now());
  for (const auto& l : live_->take_transitions()) status_line(l);
  if (live_->recorder().error()) {
    status_line(*live_->recorder().error());
    opt_.record_path.reset();
  }
}

void InspectorApp::draw_header(const StateModel& m) {
  if (live_) {
    const uint32_t col = live_->state() == LinkState::kAttached  ? kTextGood
                         : live_->state() == LinkState::kRefused ? kTextBad
                                                                 : kTextWarn;
    ImGui::TextColored(ImColor(col), "%s", live_->status().c_str());
    const EpochList& eps = live_->epochs();
    if (eps.size() > 0) {
      ImGui::SameLine();
      const uint32_t chosen = app_->nav().chosen_epoch();
      const Epoch* shown = app_->nav().shown_epoch();
      if (shown == nullptr) shown = eps.latest();
      char label[80];
      std::snprintf(label, sizeof label, "epoch %u%s", shown->number,
                    chosen == 0 ? " (latest)" : "");
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11);
      if (ImGui::BeginCombo("##epoch", label)) {
        if (ImGui::Selectable("follow the latest boot", chosen == 0))
          app_->request(NavRequest::epoch(0));
        for (const auto& e : eps.all()) {
          std::snprintf(label, sizeof label, "epoch %u: boot %s, %llu events", e->number,
                        hex(e->boot_id.value_or(0)).c_str(),
                        static_cast<unsigned long long>(e->events));
          if (ImGui::Selectable(label, chosen == e->number))
            app_->request(NavRequest::epoch(e->number));
        }
        ImGui::EndCombo();
      }
      if (shown != eps.latest()) {
        ImGui::SameLine();
        ImGui::TextColored(ImColor(kTextWarn), "viewing an earlier boot");
      }
    }
    if (live_->recorder().recording()) {
      ImGui::SameLine();
      ImGui::TextDisabled("recording %s (%llu bytes)", live_->recorder().path().c_str(),
                          static_cast<unsigned long long>(live_->recorder().bytes()));
    }
  } else {
    ImGui::TextUnformatted(replay_->message().c_str());
  }
  ImGui::TextDisabled("model: %s", sync_name(m.sync()));
  if (m.sync() != Sync::kSynced && !m.sync_reason().empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", m.sync_reason().c_str());
  }
  ImGui::SameLine();
  ImGui::TextDisabled("| %zu frames, %zu nodes, %zu cursors |", m.frames().size(), m.node_count(),
                      m.cursors().size());
  ImGui::SameLine();
  // Address spaces by their small names ("kernel", "demo 1"); the kernel's id in the list.
  std::string label = m.names().space(app_->ui.asid);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize(label.c_str()).x + ImGui::GetFontSize() * 2.5f);
  if (ImGui::BeginCombo("##asid", label.c_str())) {
    for (const auto& [asid, as] : m.address_spaces()) {
      const std::string item =
          m.names().space(asid) + "  (asid " + hex(asid) + ", root " + hex(as.root << 12) + ")";
      if (ImGui::Selectable(item.c_str(), asid == app_->ui.asid)) {
        app_->ui.asid = asid;
        app_->ui.asid_chosen = true;
      }
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("the address space shown in the tree and walked (asid %s)",
                      hex(app_->ui.asid).c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Help (F1)")) help_.toggle();
  if (replay_) timeline_.draw_strip(*replay_, *app_);
}

void InspectorApp::draw_views(const StateModel& m) {
  if (!ImGui::BeginTabBar("views")) return;
  for (int i = 0; i < kViewCount; ++i) {
    const auto v = static_cast<ViewId>(i);
    ImGuiTabItemFlags flags = app_->ui.selecting == v ? ImGuiTabItemFlags_SetSelected : 0;
    char title[64];
    std::snprintf(title, sizeof title, "%s", kTabTitles[i]);
    if (v == ViewId::kInvariants) {
      const size_t n = invariants_.count(m, app_->ui);
      std::snprintf(title, sizeof title, n ? "Invariants (%zu)###inv" : "Invariants###inv", n);
      if (n) ImGui::PushStyleColor(ImGuiCol_Text, ImColor(kTextBad).Value);
    }
    const bool open = ImGui::BeginTabItem(title, nullptr, flags);
    if (v == ViewId::kInvariants && invariants_.count(m, app_->ui)) ImGui::PopStyleColor();
    {
      const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
      app_->ui.layout[std::string("tab:") + view_flag_name(v)] =
          std::to_string(static_cast<int>((lo.x + hi.x) / 2)) + "," +
          std::to_string(static_cast<int>((lo.y + hi.y) / 2));
    }
    if (!open) continue;
    shown_view_ = v;
    ImGui::BeginChild("view");
    switch (v) {
      case ViewId::kTree:
        tree_.draw(m, app_->ui, false);
        break;
      case ViewId::kFrames: {
        // The map and the tree side by side: a click in the map reveals its mapping beside it.
        const float w = std::max(ImGui::GetContentRegionAvail().x * 0.6f, 1.0f);
        ImGui::BeginChild("map", ImVec2(w, 0));
        frames_.draw(m, app_->ui);
        ImGui::EndChild();
        ImGui::SameLine();
        ImGui::BeginChild("maptree");
        tree_.draw(m, app_->ui, true);
        ImGui::EndChild();
        break;
      }
      case ViewId::kLocks:
        locks_.draw(m, app_->ui, tree_);
        break;
      case ViewId::kWalk: {
        WalkPanel::SendWalk send;
        if (live_ && app_->nav().chosen_epoch() == 0)
          send = [this](uint64_t token, uint32_t asid, uint64_t va, std::string& err) {
            return live_->send_walk(token, asid, va, err);
          };
        walk_.draw(m, app_->ui, tree_, send);
        break;
      }
      case ViewId::kTimeline:
        if (replay_)
          timeline_.draw(*replay_, *app_);
        else
          ImGui::TextWrapped(
              "The timeline replays a recorded trace. Record this session with "
              "glass-inspect --record OUT.glt (or glass-trace record), then open it with "
              "glass-inspect --replay OUT.glt.");
        break;
      case ViewId::kLog:
        log_.draw(m, app_->ui);
        break;
      case ViewId::kInvariants:
        invariants_.draw(m, app_->ui);
        break;
      case ViewId::kBlock:
        block_.draw(m);
        break;
    }
    ImGui::EndChild();
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

void InspectorApp::draw_frame(double dt) {
  // The model, its generation, the address space and the tree rows are fixed here for the
  // whole frame; what the views ask for while drawing takes effect at the next frame.
  app_->begin_frame(dt, ImGui::GetTime());
  win_.begin_frame();
  app_->ui.facts.clear();
  app_->ui.layout.clear();
  const StateModel& m = model();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->Pos);
  ImGui::SetNextWindowSize(ImVec2(std::max(vp->Size.x, 1.0f), std::max(vp->Size.y, 1.0f)));
  ImGui::Begin("glass-inspect", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoBackground);  // the clear colour is the background
  draw_header(m);
  draw_views(m);
  ImGui::End();
  handle_keys();
  help_.draw();
  if (help_.open()) app_->ui.facts += " help=open";
  win_.render();
}

void InspectorApp::report_frame() {
  StatusReport::Frame f;
  f.view = view_flag_name(shown_view_);
  if (replay_) f.position = app_->nav().position();
  if (shown_view_ == ViewId::kWalk) f.walk = walk_.status_text();
  f.tree = tree_.last_found();
  f.help = help_.open();
  f.layout = app_->ui.layout;
  for (const auto& l : report_.changes(f)) status_line(l);
}

void InspectorApp::handle_keys() {
  const bool typing = ImGui::GetIO().WantTextInput;
  const size_t n = replay_ ? replay_->event_count() : 0;
  for (Key k : HelpOverlay::keys_pressed()) {
    const KeyAction a = key_action(k, replay_ != nullptr && n > 0, n == 0 ? 0 : n - 1,
                                   replay_ != nullptr && replay_->playing(), typing, shown_view_);
    if (a.nav) app_->request(*a.nav);
    if (a.toggle_help) help_.toggle();
    if (a.close_help) help_.close();
    // walk_next: the walk panel reads N itself while it draws (it owns the stepper).
  }
}

std::string InspectorApp::awaiting_live() {
  const Epoch* e = live_->epochs().latest();
  if (live_->state() != LinkState::kAttached || e == nullptr)
    return std::string("the kernel (") + link_state_name(live_->state()) + ": " + live_->status() +
           ")";
  if (e->model.sync() != Sync::kSynced)
    return std::string("the model to sync (") + sync_name(e->model.sync()) + ")";
  if (opt_.view == ViewId::kWalk && opt_.walk_va && !walk_.outcome().kernel)
    return "the kernel's answer to WALK " + hex(*opt_.walk_va) + " in address space " +
           std::to_string(app_->ui.asid);
  return "";
}

int InspectorApp::run() {
  std::string error;
  if (!open_source(error)) {
    std::fprintf(stderr, "glass-inspect: %s\n", error.c_str());
    return 1;
  }
  WindowSpec spec;
  spec.width = opt_.width;
  spec.height = opt_.height;
  spec.visible = !opt_.screenshot_path && !opt_.bench_frames;
  spec.vsync = !opt_.bench_frames;
  spec.scale = opt_.scale.value_or(0);
  if (!win_.open(spec, error)) {
    std::fprintf(stderr, "glass-inspect: %s\n", error.c_str());
    return 1;
  }
  tree_.bind(*app_);
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  if (opt_.walk_asid_given) {
    app_->ui.asid = opt_.walk_asid;
    app_->ui.asid_chosen = true;
    app_->asid_pinned = true;
  }
  if (opt_.walk_va && live_) {
    pending_walk_va_ = opt_.walk_va;
  } else if (opt_.walk_va) {
    walk_.set_address(*opt_.walk_va, opt_.screenshot_path.has_value());
  } else if ((opt_.view == ViewId::kWalk || shooting(ViewId::kWalk)) && replay_) {
    // A walk screenshot without --walk-va walks the first user mapping of the space shown (at
    // --at-event: the first frame's top applies it).
    app_->begin_frame(0, ImGui::GetTime());
    const StateModel& m = model();
    const auto leaves = m.leaf_mappings(app_->ui.asid, true);
    if (!leaves.empty())
      walk_.set_address(leaves.front().va | 0x123, opt_.screenshot_path.has_value());
  }
  // --views: the shots are taken in turn, each after the same five frames a single one gets.
  const std::string shot_pattern = opt_.screenshot_path.value_or("");
  size_t next_shot = 0;
  const auto aim_next_shot = [&] {
    opt_.view = opt_.shot_views[next_shot++];
    std::string path = shot_pattern;
    path.replace(path.find("{view}"), 6, view_flag_name(opt_.view));
    opt_.screenshot_path = path;
  };
  if (!opt_.shot_views.empty()) aim_next_shot();
  // Asked after the walk's look at the first frame's model, so the first drawn frame selects it.
  app_->ui.select_view = opt_.view;
  if (opt_.bench_frames) return bench();

  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  int frame = 0;
  // A live screenshot without --exit-after waits for a picture worth taking (see the header);
  // frames drawn since it became ready let the walk reveal its steps and the layout settle.
  const bool live_shot = live_ && opt_.screenshot_path && !opt_.exit_after_s;
  // Headless runs draw every frame (a handful, then the PNG); an interactive window draws only
  // when something may have changed and otherwise waits (RedrawPolicy).
  const bool every_frame = opt_.screenshot_path.has_value();
  RedrawPolicy redraw;
  int ready_frames = 0;
  std::string awaiting;
  while (!g_stop) {
    poll_source();
    if (pending_walk_va_ && live_->epochs().latest() &&
        live_->epochs().latest()->model.sync() == Sync::kSynced) {
      walk_.set_address(*pending_walk_va_, opt_.screenshot_path.has_value());
      pending_walk_va_.reset();
    }
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    bool timed_out = false;
    if (live_shot) {
      awaiting = frame > 0 ? awaiting_live() : "the first frame";
      ready_frames = awaiting.empty() ? ready_frames + 1 : 0;
      timed_out = !awaiting.empty() && elapsed >= opt_.sync_timeout_s;
    }
    const bool leaving = win_.should_close() ||
                         (opt_.exit_after_s && elapsed >= *opt_.exit_after_s) ||
                         (opt_.screenshot_path && !opt_.exit_after_s && !live_shot && frame >= 5) ||
                         (live_shot && (ready_frames >= 4 || timed_out));
    if (!every_frame && !leaving) {
      RedrawPolicy::Cause c;
      // A tab or a reveal asked during the last frame is acted on at the top of the next.
      c.navigation = app_->nav().has_pending() || app_->ui.select_view || app_->ui.reveal_va;
      c.playing = app_->nav().playing();
      c.source_key = live_ != nullptr ? live_->change_key() : 0;
      c.now_s = elapsed;
      if (!redraw.should_draw(c)) {
        // Nothing to draw: sleep until an input, or until live data may have come or a view's
        // put-off refresh is due, or --exit-after.
        double wait_s = redraw.wait_seconds(c, live_ != nullptr);
        if (opt_.exit_after_s)
          wait_s = std::min(wait_s, std::max(0.0, *opt_.exit_after_s - elapsed));
        if (win_.wait(wait_s)) redraw.input();
        continue;
      }
    }
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    draw_frame(dt);
    if (!every_frame) report_frame();
    redraw.drawn(elapsed, app_->ui.redraw_in_s);
    ++frame;
    if (leaving) {
      if (live_)
        status_line("exit " + std::string(link_state_name(live_->state())) +
                    " epochs=" + std::to_string(live_->epochs().size()));
      if (timed_out) {
        // The PNG still helps to see why; the exit status says it is not the asked-for picture.
        if (screenshot() != 0) return 1;
        std::fprintf(stderr,
                     "glass-inspect: gave up after %.1f s (--sync-timeout) waiting for %s\n",
                     opt_.sync_timeout_s, awaiting.c_str());
        return 1;
      }
      if (!opt_.screenshot_path) return 0;
      if (next_shot == 0 || next_shot == opt_.shot_views.size()) return screenshot();
      if (screenshot() != 0) return 1;
      aim_next_shot();
      app_->ui.select_view = opt_.view;
      frame = 0;
    }
    win_.swap();
  }
  status_line("exit on signal");
  return 0;
}

}  // namespace glass::inspector::app
