#!/usr/bin/env python3
# Rewrites the table of docs/ingress-nginx-compatibility.md from NginxAnnotationSupport.entries
# (NginxAnnotationSupportTests checks the two agree). Usage: scripts/compat-table.py [REPO]
import re,sys
root=sys.argv[1] if len(sys.argv) > 1 else "."
src=open(root+'/Sources/ApusKubernetes/Translate/NginxAnnotationSupport.swift').read()
consts={'streams':re.search(r'private static let streams = "(.*?)"\n',src).group(1),'notYet':re.search(r'private static let notYet = "(.*?)"\n',src).group(1)}
levels={'same':'same','deviation':'same, with a deviation','noEffect':'accepted, no effect','refused':'refused'}
rows=[]
for m in re.finditer(r'Entry\(name: "([a-z0-9-]+)", level: \.(\w+), note: (streams|notYet|"(.*?)")\),\n',src):
    name,level,noteref,notetext=m.groups()
    note=consts[noteref] if noteref in consts else notetext
    rows.append(f"| `{name}` | {levels[level]} | {note} |")
counts={}
for m in re.finditer(r'Entry\(name: "[a-z0-9-]+", level: \.(\w+)',src): counts[m.group(1)]=counts.get(m.group(1),0)+1
path=root+'/docs/ingress-nginx-compatibility.md'
doc=open(path).read()
head=doc[:doc.index('Counts: ')]
doc=head+f"Counts: {counts.get('same',0)} same, {counts.get('deviation',0)} with a deviation, {counts.get('noEffect',0)} accepted without effect, {counts.get('refused',0)} refused.\n\n| annotation | Apus | note |\n|---|---|---|\n"+"\n".join(rows)+"\n"
open(path,'w').write(doc)
print(counts,len(rows))
