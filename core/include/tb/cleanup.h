// SPDX-License-Identifier: Apache-2.0
// libtb: temporary files and directories are removed when the process is interrupted.
#pragma once

namespace tb {

/// \brief Install SIGINT, SIGTERM and SIGHUP handlers that remove the temporary files and
/// directories libtb and its plugins are writing (staged blobs, archive work directories,
/// extract staging), then let the signal end the process as it would have. Call once, early,
/// from a program's main(); a library never installs signal handlers on its own. Temps a
/// process leaves anyway (SIGKILL, power loss) are reclaimed by the next tb that writes
/// there, and by pruneStore().
void removeTemporariesOnSignals() noexcept;

} // namespace tb
