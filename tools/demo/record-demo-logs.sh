#!/bin/bash
# Records the demo's real audit logs: one log per simulated host, each with
# its own local user, so the fleet view must generalize /home/<user>/ away.
# Root, Linux, auditd installed. Runs a private auditd (-n, own config dir);
# rules are deleted and auditing restored afterwards.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${WORK:-/tmp/ftdemo-rec}"
rm -rf "$WORK"; mkdir -p "$WORK" /opt/syncagent/bin
cp /bin/dash /opt/syncagent/bin/syncagent
PREV_ENABLED="$(auditctl -s | awk '/^enabled/ {print $2}')"

record() {
  local host="$1" user="$2"
  id "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user"
  local dir="$WORK/$host"; mkdir -p "$dir"
  sed -e "s|^log_file.*|log_file = $dir/audit.log|" -e "s|^max_log_file .*|max_log_file = 256|" \
      /etc/audit/auditd.conf > "$dir/auditd.conf"
  chmod 0640 "$dir/auditd.conf"
  auditctl -D >/dev/null
  auditd -n -c "$dir" & local apid=$!
  sleep 1.5
  mkdir -p "/home/$user/.cache" /var/tmp/buildcache
  chown "$user:$user" "/home/$user/.cache"; chmod 1777 /var/tmp/buildcache
  auditctl -b 16384 >/dev/null
  auditctl -e 1 >/dev/null
  auditctl -a always,exit -F arch=b64 -S execve -k exec
  auditctl -w "/home/$user/.cache" -p wa -k appcache
  auditctl -w /var/tmp/buildcache -p wa -k buildcache
  (cd / && runuser -u "$user" -- /opt/syncagent/bin/syncagent "$HERE/demo-workload.sh" "$user")
  sleep 1
  auditctl -D >/dev/null
  kill "$apid"; wait "$apid" || true
  cp "$dir/audit.log" "$HERE/logs/$host.audit.log"
  auditctl -s | grep -E '^lost' || true
}

record web-01 alice
record web-02 bob
record build-03 carol

auditctl -e "${PREV_ENABLED:-0}" >/dev/null
ls -l "$HERE"/logs/
