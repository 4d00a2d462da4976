// The standard process_* metrics, read from /proc (Linux). Where /proc is not
// there (BSD, macOS, a chroot without it) the families are left out.
#pragma once

#include <string>

namespace wshub::metrics {

void append_process_metrics(std::string& out);

}  // namespace wshub::metrics
