#!/usr/bin/env bash
# Builds the agent's .deb and .rpm from the single executable (tools/sea, Node SEA):
#   npm run package:agent                      (or: bash tools/packaging/build-agent-packages.sh)
#   bash tools/packaging/build-agent-packages.sh --version 0.2.0 --release 3 --out /tmp/pkgs --formats deb
# Tools: dpkg-deb (Debian's dpkg) and rpmbuild (Debian's rpm package); apt-get install -y rpm.
# Contents, the same in both:
#   /usr/bin/fleettune-agent                         0755  the single executable (not stripped: that would cut the SEA blob out)
#   /usr/lib/systemd/system/fleettune-agent.service  0644  deploy/systemd/fleettune-agent.service as it is
#   /etc/fleettune/agent.env                         0600  conffile / %config(noreplace): hub address and options
#   /var/lib/fleettune-agent                         0700  state (rpm owns the directory; the .deb's postinst makes it)
# Maintainer scripts: tools/packaging/debian/{postinst,prerm,postrm} and the %post/%preun/%postun of
# tools/packaging/fleettune-agent.spec.in; removal takes out the agent's own audit rules
# (tools/packaging/remove-agent-audit-rules.sh, in both). Checked by tools/packaging/src/agent-packages.spec.ts.
# Prints the path of each package built, one a line, on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"

VERSION=$(sed -n "s/^export const AGENT_VERSION = '\(.*\)';$/\1/p" apps/agent/src/version.ts)
RELEASE=1
OUT="$REPO/tools/packaging/dist/packages"
FORMATS=deb,rpm
LEVEL=6
BINARY="${FLEETTUNE_SEA_BINARY:-$REPO/tools/sea/dist/fleettune-agent}"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) VERSION="$2"; shift 2 ;;
    --release) RELEASE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --formats) FORMATS="$2"; shift 2 ;;
    --binary) BINARY="$2"; shift 2 ;;
    # gzip level: 6 for a release, 1 packs the 96 MiB executable in a tenth of the time (the spec uses it).
    --compress-level) LEVEL="$2"; shift 2 ;;
    *) echo "usage: $0 [--version X.Y.Z] [--release N] [--out DIR] [--formats deb,rpm] [--binary PATH] [--compress-level 1-9]" >&2; exit 2 ;;
  esac
done
[[ "$VERSION" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || { echo "bad --version '$VERSION'" >&2; exit 2; }
[[ "$RELEASE" =~ ^[0-9][0-9A-Za-z.]*$ ]] || { echo "bad --release '$RELEASE'" >&2; exit 2; }
[[ "$LEVEL" =~ ^[1-9]$ ]] || { echo "bad --compress-level '$LEVEL' (1-9)" >&2; exit 2; }

if [ ! -x "$BINARY" ]; then
  if [ "$BINARY" = "$REPO/tools/sea/dist/fleettune-agent" ]; then
    echo "==> $BINARY missing: building the single executable first" >&2
    bash tools/sea/build-sea.sh >&2
  else
    echo "no executable at --binary $BINARY" >&2
    exit 1
  fi
fi
case "$(uname -m)" in
  x86_64) DEB_ARCH=amd64 RPM_ARCH=x86_64 ;;
  aarch64) DEB_ARCH=arm64 RPM_ARCH=aarch64 ;;
  *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleettune-packaging.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# The prerm and %preun share one function (remove-agent-audit-rules.sh) in place of a marker line.
with_audit_rules_removal() {
  sed -e '/^@REMOVE_AGENT_AUDIT_RULES@$/{r tools/packaging/remove-agent-audit-rules.sh' -e 'd}' "$1"
}

# One staged tree for both formats, modes set here (dpkg-deb --root-owner-group makes every file root's).
STAGE="$WORK/stage"
install -D -m 0755 "$BINARY" "$STAGE/usr/bin/fleettune-agent"
install -D -m 0644 deploy/systemd/fleettune-agent.service "$STAGE/usr/lib/systemd/system/fleettune-agent.service"
install -d -m 0755 "$STAGE/etc/fleettune"
install -m 0600 tools/packaging/agent.env "$STAGE/etc/fleettune/agent.env"

for format in ${FORMATS//,/ }; do
  case "$format" in
    deb)
      command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found (apt-get install dpkg)" >&2; exit 1; }
      DEB_ROOT="$WORK/deb"
      cp -a "$STAGE" "$DEB_ROOT"
      install -d -m 0755 "$DEB_ROOT/DEBIAN"
      install -m 0755 tools/packaging/debian/postinst tools/packaging/debian/postrm "$DEB_ROOT/DEBIAN/"
      with_audit_rules_removal tools/packaging/debian/prerm >"$DEB_ROOT/DEBIAN/prerm"
      chmod 0755 "$DEB_ROOT/DEBIAN/prerm"
      echo /etc/fleettune/agent.env >"$DEB_ROOT/DEBIAN/conffiles"
      chmod 0644 "$DEB_ROOT/DEBIAN/conffiles"
      size_kib=$(du -sk --exclude=DEBIAN "$DEB_ROOT" | cut -f1)
      cat >"$DEB_ROOT/DEBIAN/control" <<CONTROL
Package: fleettune-agent
Version: $VERSION-$RELEASE
Architecture: $DEB_ARCH
Maintainer: fleettune <fleettune@localhost>
Installed-Size: $size_kib
Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1
Recommends: auditd
Section: admin
Priority: optional
Description: fleettune agent: endpoint-security noise counts for a fleettune hub
 The agent as one executable (no Node install needed) with a hardened
 systemd unit. Set FLEETTUNE_HUB in /etc/fleettune/agent.env, write the
 enrollment secret to /var/lib/fleettune-agent/enroll-secret, then
 systemctl enable --now fleettune-agent.
CONTROL
      deb="$OUT/fleettune-agent_${VERSION}-${RELEASE}_${DEB_ARCH}.deb"
      # gzip: every dpkg reads it, and it packs the 96 MiB executable in seconds (xz takes minutes).
      dpkg-deb --root-owner-group -Zgzip -z"$LEVEL" --build "$DEB_ROOT" "$deb" >&2
      echo "$deb"
      ;;
    rpm)
      command -v rpmbuild >/dev/null || { echo "rpmbuild not found (apt-get install rpm)" >&2; exit 1; }
      TOP="$WORK/rpmbuild"
      mkdir -p "$TOP/SPECS" "$TOP/RPMS" "$TOP/BUILD" "$TOP/BUILDROOT"
      RPM_STAGE="$WORK/rpm-stage"
      cp -a "$STAGE" "$RPM_STAGE"
      install -d -m 0700 "$RPM_STAGE/var/lib/fleettune-agent"
      sed -e "s|@VERSION@|$VERSION|" -e "s|@RELEASE@|$RELEASE|" -e "s|@ARCH@|$RPM_ARCH|" -e "s|@STAGE@|$RPM_STAGE|" \
        tools/packaging/fleettune-agent.spec.in | with_audit_rules_removal - >"$TOP/SPECS/fleettune-agent.spec"
      # --nodeps: Debian's rpmbuild would check BuildRequires against an empty rpm database (nothing is
      # compiled here). gzip payload: rpm 4.x everywhere reads it, and fast, as for the .deb.
      rpmbuild -bb --nodeps --quiet \
        --define "_topdir $TOP" \
        --define "_binary_payload w${LEVEL}.gzdio" \
        --define "_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
        "$TOP/SPECS/fleettune-agent.spec" >&2
      rpm="$OUT/fleettune-agent-${VERSION}-${RELEASE}.${RPM_ARCH}.rpm"
      cp "$TOP/RPMS/fleettune-agent-${VERSION}-${RELEASE}.${RPM_ARCH}.rpm" "$rpm"
      echo "$rpm"
      ;;
    *) echo "unknown format $format (deb, rpm)" >&2; exit 2 ;;
  esac
done
