#!/usr/bin/env python3
"""Compile the word lists of text analysis (services/scoring/lexicon/*.txt) into C.

usage: gen_lexicon.py [--uconv PATH] [--evidence] OUTPUT.h LIST.txt...

Each LIST.txt becomes `static const sc_lex_word_t lex_<name>[]` (name: the file
name without .txt) in entry order; entries marked ~ go to `lex_<name>_weak`.
services/scoring/lexicon.c includes OUTPUT and names the tables per class, so
a list without a class (or a class without a list) does not compile. The
output depends only on the inputs' bytes and their order on the command line.

With --evidence the lists are evidence.c's cue classes (evidence_<class>.txt):
an entry may end in "| flag" fields ("whole": covers whole ICU words; "inner":
may start inside a Han word; "frac=F" or "times=K": the size the words say),
and the output is the enum of classes and their tables evidence.c includes.

The format is documented at the top of every list. An entry must already be
in the form the normaliser folds answers to, so that it can match at all:
refused are empty entries, leading, trailing or double spaces, entries that
NFKC with case folding changes (uppercase, full-width forms), traditional
Chinese characters (checked with ICU's `uconv -x Traditional-Simplified`
when --uconv is given), a duplicate in the same list and an unknown marker.
Errors name the file and line; the exit status is then 1 and nothing is
written.
"""
import os
import subprocess
import sys
import unicodedata

MARKERS = {'=': 'whole', '~': 'weak'}


class LexiconError(Exception):
    pass


def c_string(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('??', '?\\?') + '"'


def flags_of(where, fields):
    """An evidence entry's "| flag" fields as (mode, size kind, size), or LexiconError."""
    mode, kind, value = 'SC_PH_START', 0, 0.0
    for flag in fields:
        key, _, v = flag.partition('=')
        if flag in ('whole', 'inner'):
            mode = 'SC_PH_' + flag.upper()
        elif key in ('frac', 'times') and v:
            try:
                kind, value = (1 if key == 'frac' else 2), float(v)
            except ValueError:
                raise LexiconError(f'{where}: "{flag}": a number after {key}=')
        else:
            raise LexiconError(f'{where}: unknown flag "{flag}"')
    return mode, kind, value


def parse(path, evidence=False):
    """[(line number, entry, whole, weak, evidence flags)] of one list."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise LexiconError(f'{path}: cannot read: {e.strerror}')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b'\n') + 1
        raise LexiconError(f'{path}:{line}: not UTF-8')
    entries, seen, errors = [], {}, []
    for no, line in enumerate(text.split('\n'), 1):
        line = line.rstrip('\r')
        if not line.strip() or line.startswith('#'):
            continue
        flags, cue = set(), None
        if evidence:
            word, *fields = [x.strip() for x in line.split('|')]
            try:
                cue = flags_of(f'{path}:{no}', fields)
            except LexiconError as e:
                errors.append(str(e))
                continue
            line = word
        while not evidence and line and line[0] in MARKERS:
            if MARKERS[line[0]] in flags:
                errors.append(f'{path}:{no}: marker {line[0]} given twice')
            flags.add(MARKERS[line[0]])
            line = line[1:]
        word = line
        where = f'{path}:{no}'
        if not word.strip():
            errors.append(f'{where}: empty entry')
            continue
        if word != word.strip() or '  ' in word or any(c.isspace() and c != ' ' for c in word):
            errors.append(f'{where}: "{word}": spaces must be single, between words')
            continue
        folded = unicodedata.normalize('NFKC', word).casefold()
        if folded != word:
            errors.append(f'{where}: "{word}" is not in normalised form (lowercase, NFKC): '
                          f'write "{folded}"')
            continue
        if word in seen:
            errors.append(f'{where}: "{word}" is already on line {seen[word]}')
            continue
        seen[word] = no
        entries.append((no, word, 'whole' in flags, 'weak' in flags, cue))
    if errors:
        raise LexiconError('\n'.join(errors))
    return entries


def check_simplified(uconv, lists):
    """Refuse traditional characters: ICU's transliterator must leave every entry alone."""
    words = [(path, no, w) for path, entries in lists for no, w, *_ in entries]
    joined = '\n'.join(w for _, _, w in words) + '\n'
    r = subprocess.run([uconv, '-x', 'Traditional-Simplified'], input=joined.encode('utf-8'),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise LexiconError(f'{uconv} failed: {r.stderr.decode(errors="replace").strip()}')
    out = r.stdout.decode('utf-8').split('\n')
    errors = [f'{path}:{no}: "{w}" has traditional characters: write "{s}"'
              for (path, no, w), s in zip(words, out) if s != w]
    if len(out) < len(words):
        errors.append(f'{uconv} returned {len(out)} lines for {len(words)} entries')
    if errors:
        raise LexiconError('\n'.join(errors))


def render(lists):
    out = ['/* Generated by tools/gen_lexicon.py from the lists in services/scoring/lexicon/:',
           ' * edit the lists, not this file. Included by lexicon.c. */', '']
    for path, entries in lists:
        name = os.path.splitext(os.path.basename(path))[0]
        for suffix, weak in (('', False), ('_weak', True)):
            chosen = [(w, whole) for _, w, whole, wk, _ in entries if wk == weak]
            if weak and not chosen:
                continue
            out.append(f'static const sc_lex_word_t lex_{name}{suffix}[] = {{')
            out += [f'    {{ {c_string(w)}, {int(whole)} }},' for w, whole in chosen]
            out.append('};')
            out.append('')
    return '\n'.join(out)


def render_evidence(lists):
    names = [os.path.basename(p)[len('evidence_'):-len('.txt')] for p, _ in lists]
    out = ['/* Generated by tools/gen_lexicon.py --evidence from services/scoring/lexicon/'
           'evidence_*.txt:', ' * edit the lists, not this file. Included by evidence.c. */',
           '#include "text.h"', '', 'enum {']
    out += [f'    EVC_{n.upper()},' for n in names] + ['    EVC_N', '};', '']
    out += ['typedef struct {', '    const char *phrase;', '    int mode;',
            '    int size_kind; /* 0 none, 1 a fraction, 2 a multiple */', '    double size;',
            '} ev_cue_src_t;', '']
    for n, (_, entries) in zip(names, lists):
        out.append(f'static const ev_cue_src_t evc_{n}[] = {{')
        out += [f'    {{ {c_string(w)}, {m}, {k}, {v!r} }},'
                for _, w, _, _, (m, k, v) in entries]
        out += ['};', '']
    out.append('static const struct {')
    out += ['    const char *name;', '    const ev_cue_src_t *v;', '    size_t n;',
            '} ev_classes[EVC_N] = {']
    out += [f'    [EVC_{n.upper()}] = {{ "{n}", evc_{n}, sizeof evc_{n} / sizeof evc_{n}[0] }},'
            for n in names]
    out.append('};')
    return '\n'.join(out) + '\n'


def main(argv):
    uconv, evidence = None, False
    while argv and argv[0] in ('--uconv', '--evidence'):
        if argv[0] == '--evidence':
            evidence, argv = True, argv[1:]
        elif len(argv) >= 2:
            uconv, argv = argv[1], argv[2:]
        else:
            break
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    output, paths = argv[0], argv[1:]
    names = [os.path.basename(p) for p in paths]
    try:
        for p, n in zip(paths, names):
            stem = os.path.splitext(n)[0]
            if not n.endswith('.txt') or not stem.isidentifier():
                raise LexiconError(f'{p}: a list is named <identifier>.txt')
            if evidence and not stem.startswith('evidence_'):
                raise LexiconError(f'{p}: an evidence list is named evidence_<class>.txt')
        if len(set(names)) != len(names):
            raise LexiconError('a list is given twice')
        lists, errors = [], []
        for p in paths:
            try:
                entries = parse(p, evidence)
                if not entries:
                    raise LexiconError(f'{p}: the list has no entries')
                lists.append((p, entries))
            except LexiconError as e:
                errors.append(str(e))
        if errors:
            raise LexiconError('\n'.join(errors))
        if uconv:
            check_simplified(uconv, lists)
    except LexiconError as e:
        sys.stderr.write(f'gen_lexicon: {e}\n')
        return 1
    text = render_evidence(lists) if evidence else render(lists)
    tmp = output + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    os.replace(tmp, output)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
