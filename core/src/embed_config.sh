#!/bin/sh
# Turn configs/nvbind.toml into a C++ source defining tb::defaultConfigText().
set -e
echo '// Generated from configs/nvbind.toml; do not edit.'
echo '#include <string_view>'
echo 'namespace tb { std::string_view defaultConfigText() noexcept; }'
echo 'std::string_view tb::defaultConfigText() noexcept { return R"tbcfg('
cat "$1"
echo ')tbcfg"; }'
