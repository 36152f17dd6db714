import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSystemAccount, LINUX_SYSTEM_UID_MAX, MAC_SYSTEM_UID_MAX, parseDsclAttribute, parsePasswd } from './local-accounts';
import { isRedactedUserClass, redactedSystemName, UserPathRedactor } from './user-path-redactor';
import { UsernameGeneralizer } from './username-generalizer';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'rabbitmq:x:106:109:RabbitMQ messaging server,,,:/var/lib/rabbitmq:/usr/sbin/nologin',
  'alice:x:1001:1001:Alice Smith,,,:/home/alice:/bin/bash',
  'jdoe:x:1002:1002::/srv/staff/u7:/bin/zsh',
  'svc-backup:x:1500:1500::/var/lib/backup:/usr/sbin/nologin',
  '# a comment',
  '+@netgroup::::::',
  'broken line',
].join('\n');

const accounts = () => parsePasswd(PASSWD).accounts;

test('parsePasswd reads accounts and counts what it cannot parse', () => {
  const p = parsePasswd(PASSWD);
  assert.equal(p.accounts.length, 7);
  assert.equal(p.skippedLines, 2);
  assert.deepEqual(p.accounts[4], { name: 'alice', uid: 1001, home: '/home/alice', shell: '/bin/bash', realName: 'Alice Smith' });
});

test('system accounts: low uid, nologin shell or a macOS daemon name', () => {
  const [root, daemon, www, rabbit, alice, , svc] = accounts();
  for (const a of [root, daemon, www, rabbit, svc]) assert.equal(isSystemAccount(a, LINUX_SYSTEM_UID_MAX), true, a.name);
  assert.equal(isSystemAccount(alice, LINUX_SYSTEM_UID_MAX), false);
  assert.equal(isSystemAccount({ name: '_spotlight', uid: 89 }, MAC_SYSTEM_UID_MAX), true);
  assert.equal(isSystemAccount({ name: 'bob', uid: 501, shell: '/bin/zsh' }, MAC_SYSTEM_UID_MAX), false);
  assert.equal(isSystemAccount({ name: 'nobody', uid: -2 }, MAC_SYSTEM_UID_MAX), true);
});

test('parseDsclAttribute reads `dscl . list /Users UserShell`', () => {
  const m = parseDsclAttribute('_amavisd     /usr/bin/false\nalice        /bin/zsh\n\nroot /bin/sh\n');
  assert.equal(m.get('_amavisd'), '/usr/bin/false');
  assert.equal(m.get('alice'), '/bin/zsh');
  assert.equal(m.size, 3);
});

test('user fields become a class: local for people, system:<name> for system and service accounts', () => {
  const r = new UserPathRedactor(accounts(), LINUX_SYSTEM_UID_MAX);
  assert.equal(r.userClass('alice'), 'local');
  assert.equal(r.userClass('1001'), 'local');
  assert.equal(r.userClass('root'), 'system:root');
  assert.equal(r.userClass('0'), 'system:root');
  assert.equal(r.userClass('rabbitmq'), 'system:rabbitmq');
  assert.equal(r.userClass('106'), 'system:rabbitmq');
  assert.equal(r.userClass('svc-backup'), 'system:svc-backup', 'nologin shell above the uid threshold is a service');
  // Not in the database: a directory user is a person; an unresolved low uid names no one.
  assert.equal(r.userClass('ldapuser'), 'local');
  assert.equal(r.userClass('2000'), 'local');
  assert.equal(r.userClass('998'), 'system:998');
  assert.equal(r.userClass('_locationd'), 'system:_locationd');
  // Idempotent: a redacted batch redacted again (spool merge, resend) is unchanged.
  assert.equal(r.userClass('local'), 'local');
  assert.equal(r.userClass('system:root'), 'system:root');
  assert.equal(r.userClass(''), '');
  assert.ok(isRedactedUserClass('system:x') && isRedactedUserClass('local') && !isRedactedUserClass('alice'));
  assert.equal(redactedSystemName('system:www-data'), 'www-data');
  assert.equal(redactedSystemName('www-data'), undefined);
});

test('paths: homes, per-user trees named after a person, and homes outside /home', () => {
  const r = new UserPathRedactor(accounts(), LINUX_SYSTEM_UID_MAX);
  assert.equal(r.redactPath('/home/alice/.cache/syncagent/sync.log'), '/home/*/.cache/syncagent/sync.log');
  assert.equal(r.redactPath('/Users/bob/Library/Caches/x'), '/Users/*/Library/Caches/x');
  assert.equal(r.redactPath('/Users/Shared/x'), '/Users/Shared/x');
  assert.equal(r.redactPath('/var/tmp/buildcache/alice/chunk-0001.tmp'), '/var/tmp/buildcache/*/chunk-0001.tmp');
  assert.equal(r.redactPath('/var/mail/alice'), '/var/mail/*');
  assert.equal(r.redactPath('/tmp/alice-notes.txt'), '/tmp/*-notes.txt');
  assert.equal(r.redactPath('/run/user/1001/bus'), '/run/user/*/bus');
  assert.equal(r.redactPath('/srv/staff/u7/projects/a.c'), '/srv/staff/*/projects/a.c');
  assert.equal(r.redactPath('alice/notes'), '*/notes', 'relative path');
  // System accounts and shared places stay as they are: they are the same on every host.
  assert.equal(r.redactPath('/var/lib/rabbitmq/mnesia'), '/var/lib/rabbitmq/mnesia');
  assert.equal(r.redactPath('/usr/local/bin/tool'), '/usr/local/bin/tool');
  assert.equal(r.redactPath('/root/.bashrc'), '/root/.bashrc');
  assert.equal(r.redactPath(''), '');
});

test('redacting is what the engine would do: generalizing a redacted path changes nothing more', () => {
  const r = new UserPathRedactor(accounts(), LINUX_SYSTEM_UID_MAX);
  const g = new UsernameGeneralizer();
  for (const p of ['/home/alice/.cache/x.log', '/var/tmp/buildcache/alice/chunk-1.tmp', '/var/folders/ab/cd/T/x', '/opt//app/']) {
    const once = r.redactPath(p);
    assert.equal(g.generalizePath(once), once, p);
    assert.equal(g.generalizePath(p, 'alice'), once, p);
  }
});

test('names learned from user fields are hidden in later paths; system names are not learned', () => {
  const r = new UserPathRedactor([], LINUX_SYSTEM_UID_MAX);
  assert.equal(r.redactPath('/var/tmp/cache/carol/x'), '/var/tmp/cache/carol/x');
  r.learnUser('carol');
  r.learnUser('root');
  r.learnUser('_spotlight');
  r.learnUser('1005');
  r.learnUser('system:www-data');
  assert.deepEqual(r.personNames, ['carol']);
  assert.equal(r.redactPath('/var/tmp/cache/carol/x'), '/var/tmp/cache/*/x');
  assert.equal(r.redactText('carol_cache'), '*_cache');
  assert.equal(r.redactText('exec'), 'exec');
  assert.equal(
    r.redactText('cisco-support /Users/zoe/Downloads/execs.txt: 12 lines skipped (carol)'),
    'cisco-support /Users/*/Downloads/execs.txt: 12 lines skipped (*)',
    'paths in free text lose their home segment even for a name never seen',
  );
});

test("host names lose people's names and real names, case-insensitively", () => {
  const r = new UserPathRedactor(accounts(), LINUX_SYSTEM_UID_MAX);
  assert.equal(r.redactHostname('Alices-MacBook-Pro'), 'users-macbook-pro');
  assert.equal(r.redactHostname('smith-laptop'), 'user-laptop');
  assert.equal(r.redactHostname('web-01'), 'web-01');
  assert.equal(r.redactHostname('Build-03'), 'Build-03');
});
