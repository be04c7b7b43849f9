#!/usr/bin/env python3
"""The layer guard: checks every #include of lib/src/protocol, lib/src/net and cli against what
each layer may use (docs/architecture.md), following project headers to the end, so that a
public header that pulls in Asio counts against the protocol file that includes it.

  protocol  the C++ standard library, OpenSSL, and project headers that obey the same rule: no
            Boost, fmt or socket headers, nothing of net/, the session or the services
  net       no protocol headers (anything under lib/src/protocol, or a public header whose code
            lives there: a net file knows bytes and addresses, never message types)
  cli       nothing from lib/src: quoted includes are cli's own files, the library only through
            <mcast/...> headers of lib/include

A compiler check cannot do this: Boost's headers sit on every target's include path on Debian.

  check_includes.py [ROOT]       check the tree at ROOT (default: this checkout); exit 1 on a breach
  check_includes.py --self-test  plant one breach per rule in a copy and check that each is caught
"""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SOURCE_EXT = ('.cpp', '.hpp', '.h', '.cc')

# System headers a protocol file may name: the C++ standard library (no slash, no .h), OpenSSL and
# libsodium (Ed25519 signing and verifying: docs/security.md).
def protocol_system_ok(name):
    return (('/' not in name and not name.endswith('.h')) or name.startswith('openssl/')
            or name == 'sodium.h')

SOCKET_HEADERS = ('sys/socket.h', 'netinet/', 'arpa/inet.h', 'net/if.h', 'ifaddrs.h', 'netdb.h',
                  'poll.h', 'sys/epoll.h', 'linux/rtnetlink.h', 'linux/netlink.h', 'sys/un.h')


def why_not_in_protocol(name):
    if name.startswith('boost/'):
        return 'Boost (Asio lives at the edge)'
    if name.startswith('fmt/'):
        return 'fmt (the core formats nothing for people)'
    if name.startswith(SOCKET_HEADERS):
        return 'a socket header'
    return 'not on the protocol allowlist (C++ standard library, openssl/, sodium.h)'


class Tree:
    def __init__(self, root):
        self.root = root
        self.include = os.path.join(root, 'lib', 'include')
        self.src = os.path.join(root, 'lib', 'src')
        self.protocol = os.path.join(self.src, 'protocol')
        self.net = os.path.join(self.src, 'net')
        self.cli = os.path.join(root, 'cli')
        self._includes = {}

    def includes(self, path):
        if path not in self._includes:
            with open(path, encoding='utf-8', errors='replace') as f:
                self._includes[path] = INCLUDE.findall(f.read())
        return self._includes[path]

    def resolve(self, path, kind, name):
        """The project file an include names, or None for a system header."""
        dirs = [self.include, self.src]
        if kind == '"':
            dirs.insert(0, os.path.dirname(path))
        for d in dirs:
            candidate = os.path.normpath(os.path.join(d, name))
            if os.path.isfile(candidate):
                return candidate
        return None

    def inside(self, path, folder):
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == \
            os.path.abspath(folder)

    def is_protocol_header(self, path):
        """Under lib/src/protocol, or a public header whose code is there (mcast/ping.hpp)."""
        if self.inside(path, self.protocol):
            return True
        if self.inside(path, self.include):
            stem = os.path.splitext(os.path.basename(path))[0]
            return os.path.isfile(os.path.join(self.protocol, stem + '.cpp'))
        return False

    def rel(self, path):
        return os.path.relpath(path, self.root)

    def sources(self, folder):
        for base, _, names in os.walk(folder):
            for n in sorted(names):
                if n.endswith(SOURCE_EXT):
                    yield os.path.join(base, n)

    def breaches_from(self, start, judge):
        """Follows the includes of start through project headers, once per file. judge(name,
        target) says what is wrong with one include (target: the project file it names, None for
        a system header), or None when it is fine; a fine project header is followed in turn."""
        seen = set()
        stack = [(start, [])]
        while stack:
            path, chain = stack.pop()
            if path in seen:
                continue
            seen.add(path)
            for kind, name in self.includes(path):
                target = self.resolve(path, kind, name)
                message = judge(name, target)
                if message is not None:
                    yield start, chain + [name], message
                elif target is not None:
                    stack.append((target, chain + [name]))

    # Each check yields (file, chain, message); chain is the list of includes that led there.
    def check_protocol(self):
        def judge(name, target):
            if target is None:
                return None if protocol_system_ok(name) else why_not_in_protocol(name)
            if not (self.inside(target, self.protocol) or self.inside(target, self.include)):
                return 'a library file outside protocol/ and the public headers'
            return None
        for start in self.sources(self.protocol):
            yield from self.breaches_from(start, judge)

    def check_net(self):
        def judge(_, target):
            if target is not None and self.is_protocol_header(target):
                return 'a protocol header (net knows bytes, not message types)'
            return None
        for start in self.sources(self.net):
            yield from self.breaches_from(start, judge)

    def check_cli(self):
        for start in self.sources(self.cli):
            for kind, name in self.includes(start):
                target = self.resolve(start, kind, name)
                if target is None:
                    continue
                if self.inside(target, self.src):
                    yield start, [name], 'an internal header of lib/src (use the public API)'
                elif kind == '"' and not self.inside(target, self.cli):
                    yield start, [name], 'a quoted include from outside cli/'

    def breaches(self):
        for rule in (self.check_protocol, self.check_net, self.check_cli):
            yield from rule()


def check(root):
    tree = Tree(root)
    found = 0
    for path, chain, message in tree.breaches():
        found += 1
        print(f'{tree.rel(path)}: includes {" -> ".join(chain)}: {message}', file=sys.stderr)
    if found:
        print(f'{found} include(s) break the layers of docs/architecture.md', file=sys.stderr)
        return 1
    return 0


def self_test():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, '..', '..'))
    plants = [
        ('lib/src/protocol/ping.cpp', '#include <boost/asio/io_context.hpp>\n', 'Boost'),
        ('lib/src/protocol/ping.cpp', '#include <fmt/format.h>\n', 'fmt'),
        ('lib/src/protocol/ping.cpp', '#include <sys/socket.h>\n', 'a socket header'),
        # Through a public header: session.hpp pulls in Asio.
        ('lib/src/protocol/ping.cpp', '#include <mcast/session.hpp>\n', 'Boost'),
        ('lib/src/protocol/ping.cpp', '#include "net/interfaces.hpp"\n', 'outside protocol/'),
        ('lib/src/net/interfaces.cpp', '#include <mcast/wire.hpp>\n', 'a protocol header'),
        ('lib/src/net/interfaces.cpp', '#include "protocol/byte_order.hpp"\n', 'a protocol header'),
        ('cli/output.cpp', '#include "protocol/byte_order.hpp"\n', 'lib/src'),
        ('cli/output.cpp', '#include "../lib/src/wall_clock.hpp"\n', 'lib/src'),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for folder in ('lib/include', 'lib/src', 'cli'):
            shutil.copytree(os.path.join(root, folder), os.path.join(tmp, folder))
        clean = list(Tree(tmp).breaches())
        if clean:
            print(f'self-test: the tree has breaches before planting: {clean}', file=sys.stderr)
            return 1
        for rel, line, expected in plants:
            path = os.path.join(tmp, rel)
            with open(path, encoding='utf-8') as f:
                original = f.read()
            with open(path, 'w', encoding='utf-8') as f:
                f.write(line + original)
            found = [m for p, _, m in Tree(tmp).breaches() if p == path]
            with open(path, 'w', encoding='utf-8') as f:
                f.write(original)
            if not any(expected in m for m in found):
                failures += 1
                print(f'self-test: {line.strip()} in {rel} was not caught as "{expected}" '
                      f'(found {found})', file=sys.stderr)
    if failures:
        return 1
    print(f'self-test: each of {len(plants)} planted includes was caught')
    return 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    default_root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    sys.exit(check(sys.argv[1] if len(sys.argv) > 1 else default_root))
