/**
 * The smallest audit log the agent counts something from: one execve of
 * /usr/bin/id (SYSCALL record and its EOE), for specs about enrolling and
 * uploading rather than about parsing.
 */
export const ONE_EXEC_AUDIT_LOG =
  [
    'type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=10 auid=0 uid=0 gid=0 euid=0 comm="id" exe="/usr/bin/id" key="exec"',
    'type=EOE msg=audit(1700000000.100:1):',
  ].join('\n') + '\n';
