# Shared by debian/prerm and fleettune-agent.spec.in's %preun: build-agent-packages.sh puts it in
# place of their @REMOVE_AGENT_AUDIT_RULES@ line.
# The agent's own audit rules (issue 14, --apply-auditd-exclusions): it writes AGENT_RULES and loads
# rules keyed fleettune-applied. They go with the agent so the host's rules are as they were before it:
# that one file, the loaded rules with that key (auditctl -D -k deletes no other) and, if augenrules had
# merged our file into audit.rules, audit.rules regenerated from rules.d (not loaded). Nothing else.
remove_agent_audit_rules() {
  AGENT_RULES=/etc/audit/rules.d/10-fleettune.rules
  rm -f "$AGENT_RULES"
  if command -v auditctl >/dev/null 2>&1 && auditctl -s >/dev/null 2>&1; then
    if auditctl -s | grep -q '^enabled 2'; then
      echo "fleettune-agent: audit rules are locked until reboot (enabled 2); the agent's (key fleettune-applied) go then"
    else
      auditctl -D -k fleettune-applied >/dev/null || echo "fleettune-agent: could not unload its audit rules: auditctl -D -k fleettune-applied" >&2
    fi
  fi
  if grep -q 'fleettune-applied' /etc/audit/audit.rules 2>/dev/null && command -v augenrules >/dev/null 2>&1; then
    augenrules >/dev/null || echo "fleettune-agent: could not regenerate /etc/audit/audit.rules: augenrules" >&2
  fi
}
