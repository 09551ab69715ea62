#!/usr/bin/env python3
"""Checks that each target of Package.swift depends on exactly the modules its sources import (`make test` runs it).

The target graph is read from `swift package dump-package`; imports are the `import X` lines of the target's Swift
files (with any access modifier or @testable). System modules (Foundation, XCTest, Glibc, Dispatch, ...) are
ignored. Prints one line per difference and exits 1, or one summary line and exits 0.
"""
import json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSTEM = {"Foundation", "FoundationNetworking", "XCTest", "Glibc", "Dispatch", "Synchronization", "PackageDescription"}
# Multi-line string literals may hold other languages' code (a Python server inside a test), not imports.
MULTILINE_STRING = re.compile(r'"""(?:.|\n)*?"""')
IMPORT = re.compile(r"^\s*(?:@testable\s+)?(?:(?:public|package|internal|private|fileprivate)\s+)?import\s+(\w+)", re.M)


def main():
    package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                        capture_output=True, text=True).stdout)
    problems, checked = [], 0
    for target in package["targets"]:
        if target["type"] == "system":
            continue
        declared = set()
        for dependency in target.get("dependencies", []):
            (_, value), = dependency.items()
            declared.add(value[0])
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        imported = set()
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith(".swift"):
                    source = open(os.path.join(directory, name), encoding="utf-8").read()
                    imported |= set(IMPORT.findall(MULTILINE_STRING.sub("", source)))
        imported -= SYSTEM | {target["name"]}
        for module in sorted(imported - declared):
            problems.append(f"{target['name']}: imports {module} without depending on it")
        for module in sorted(declared - imported):
            problems.append(f"{target['name']}: depends on {module} without importing it")
        checked += 1
    for line in problems:
        print(f"Package.swift: {line}")
    if problems:
        sys.exit(1)
    print(f"module graph: the dependencies of all {checked} targets equal their imports")


if __name__ == "__main__":
    main()
