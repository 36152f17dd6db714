#!/bin/sh
# One simulated host's noisy apps, run by record-demo-logs.sh as the host's
# user. $0 is exec'd as /opt/syncagent/bin/syncagent (a copy of dash) so the
# audit log names it as the parent of the utilities it runs.
u="$1"
log="$HOME/.cache/syncagent/sync.log"
mkdir -p "$(dirname "$log")"
i=0
# The sync agent: a burst of utility execs (> 1/s) and a chatty log file.
while [ $i -lt 1100 ]; do
  echo "sync $i $(/usr/bin/date +%s)" >> "$log"
  [ $((i % 2)) -eq 0 ] && /usr/bin/id -u >/dev/null
  i=$((i+1))
done
# A build cache writing numbered temp files.
mkdir -p /var/tmp/buildcache/$u
i=0
while [ $i -lt 1050 ]; do
  : > "/var/tmp/buildcache/$u/chunk-$i.tmp"
  i=$((i+1))
done
# Absolute names: rm -r would unlink relative to a directory fd, which the
# audit PATH record cannot resolve to a full path.
rm -f /var/tmp/buildcache/$u/chunk-*.tmp
rmdir /var/tmp/buildcache/$u
exit 0
