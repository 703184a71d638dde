#!/usr/bin/env python3
"""tools/gen_lexicon.py: good lists compile the same bytes every time, bad ones are
refused with the file and line named and nothing written.

usage: test_gen_lexicon.py GEN_LEXICON.py UCONV   (TAP output)
"""
import os
import subprocess
import sys
import tempfile

GEN, UCONV = sys.argv[1], sys.argv[2]
results = []


def run(tmp, lists, out='out.h', *flags):
    paths = []
    for name, text in lists.items():
        p = os.path.join(tmp, name)
        with open(p, 'wb') as f:
            f.write(text.encode('utf-8') if isinstance(text, str) else text)
        paths.append(p)
    outp = os.path.join(tmp, out)
    r = subprocess.run([sys.executable, GEN, '--uconv', UCONV, *flags, outp] + paths,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data = open(outp, 'rb').read() if os.path.exists(outp) else None
    return r.returncode, r.stderr.decode('utf-8'), data


def check(name, ok, detail=''):
    results.append((name, ok, detail))


GOOD = {'negation.txt': '# negation\n\n没有\n=不\n=never\nnot only\n',
        'filler.txt': '=嗯\n~=那个\n~you know\n=um\n'}

with tempfile.TemporaryDirectory() as tmp:
    rc, err, first = run(tmp, GOOD)
    check('good lists compile', rc == 0 and first is not None, err)
    rc, err, second = run(tmp, GOOD)
    check('the output is byte-for-byte the same on a second run', first == second)
    text = (first or b'').decode('utf-8')
    check('entries keep their order and whole-token flag',
          '{ "没有", 0 },\n    { "不", 1 },\n    { "never", 1 },\n    { "not only", 0 },' in text,
          text)
    check('weak entries go to their own table',
          'lex_filler_weak[] = {\n    { "那个", 1 },\n    { "you know", 0 },\n};' in text
          and 'lex_filler[] = {\n    { "嗯", 1 },\n    { "um", 1 },\n};' in text, text)
    check('a list without weak entries has no weak table', 'lex_negation_weak' not in text)

BAD = [
    ('an empty entry', 'a.txt', 'ok\n=\n', 'a.txt:2: empty entry'),
    ('an entry of spaces', 'a.txt', 'ok\n  \t\n~ \n', 'a.txt:3: empty entry'),
    ('a duplicate', 'a.txt', '没有\nnever\n=没有\n', 'a.txt:3: "没有" is already on line 1'),
    ('uppercase', 'a.txt', 'ok\nI was responsible\n', 'a.txt:2: "I was responsible" is not in '
     'normalised form (lowercase, NFKC): write "i was responsible"'),
    ('a full-width form', 'a.txt', 'ｋｐｉ\n', 'a.txt:1: "ｋｐｉ" is not in normalised form'),
    ('traditional characters', 'a.txt', '数据\n數據分析\n', 'a.txt:2: "數據分析" has traditional '
     'characters: write "数据分析"'),
    ('a double space', 'a.txt', 'you  know\n', 'a.txt:1: "you  know": spaces must be single'),
    ('a trailing space', 'a.txt', 'ok \n', 'a.txt:1: "ok ": spaces must be single'),
    ('a marker twice', 'a.txt', '==不\n', 'a.txt:1: marker = given twice'),
    ('invalid UTF-8', 'a.txt', b'ok\n\xff\xfe\n', 'a.txt:2: not UTF-8'),
    ('a list with no entries', 'a.txt', '# only a comment\n', 'a.txt: the list has no entries'),
    ('a name that is no C identifier', 'a-b.txt', 'ok\n', 'a-b.txt: a list is named'),
]
for what, fname, body, expect in BAD:
    with tempfile.TemporaryDirectory() as tmp:
        rc, err, data = run(tmp, {fname: body})
        check(f'{what} is refused with file and line', rc == 1 and expect in err and data is None,
              f'rc={rc} stderr={err!r}')

with tempfile.TemporaryDirectory() as tmp:
    rc, err, data = run(tmp, {'a.txt': 'Ok\n', 'b.txt': 'ok\nok\n'})
    check('every bad line of every list is reported',
          rc == 1 and 'a.txt:1:' in err and 'b.txt:2:' in err and data is None, err)

# evidence.c's cue classes: the same checks, and "| flag" fields after an entry
with tempfile.TemporaryDirectory() as tmp:
    rc, err, data = run(tmp, {'evidence_up.txt': 'rose\n翻了一番 | inner | times=2\n',
                              'evidence_size.txt': 'a third | whole | frac=0.3333\n'},
                        'out.h', '--evidence')
    text = (data or b'').decode('utf-8')
    check('evidence lists compile to their classes and cues', rc == 0
          and 'EVC_UP,' in text and 'EVC_SIZE,' in text
          and '{ "翻了一番", SC_PH_INNER, 2, 2.0 },' in text
          and '{ "a third", SC_PH_WHOLE, 1, 0.3333 },' in text
          and '{ "rose", SC_PH_START, 0, 0.0 },' in text, err + text)
for what, fname, body, expect in (
        ('an unknown flag', 'evidence_up.txt', 'rose | fast\n', 'evidence_up.txt:1: unknown flag'),
        ('a size that is no number', 'evidence_up.txt', 'doubled | times=two\n',
         'evidence_up.txt:1: "times=two": a number'),
        ('uppercase before the flags', 'evidence_up.txt', 'Rose | whole\n',
         'evidence_up.txt:1: "Rose" is not in normalised form'),
        ('a list not named evidence_<class>', 'up.txt', 'rose\n', 'up.txt: an evidence list')):
    with tempfile.TemporaryDirectory() as tmp:
        rc, err, data = run(tmp, {fname: body}, 'out.h', '--evidence')
        check(f'evidence: {what} is refused', rc == 1 and expect in err and data is None,
              f'rc={rc} stderr={err!r}')

print(f'1..{len(results)}')
for i, (name, ok, detail) in enumerate(results, 1):
    print(f'{"ok" if ok else "not ok"} {i} - {name}')
    if not ok and detail:
        for line in detail.splitlines():
            print(f'# {line}')
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
