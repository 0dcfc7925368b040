// StatusReport: see status_report.h.
#include "inspector/app/status_report.h"

namespace glass::inspector::app {

std::vector<std::string> StatusReport::changes(const Frame& f) {
  std::vector<std::string> out;
  const bool first = !last_.has_value();
  if (first || f.layout != last_->layout) {
    std::string l = "layout";
    for (const auto& [k, v] : f.layout) l += " " + k + "=" + v;
    out.push_back(l);
  }
  if (first || f.view != last_->view) out.push_back("view " + f.view);
  if (f.position && (first || f.position != last_->position))
    out.push_back("at event " + std::to_string(*f.position));
  if (!f.walk.empty() && (first || f.walk != last_->walk)) out.push_back("walk " + f.walk);
  if (!f.tree.empty() && (first || f.tree != last_->tree)) out.push_back("tree " + f.tree);
  if (first ? f.help : f.help != last_->help) out.push_back(f.help ? "help open" : "help closed");
  last_ = f;
  return out;
}

}  // namespace glass::inspector::app
