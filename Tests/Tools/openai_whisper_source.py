"""Files of the pinned openai-whisper source package, read without installing it (it needs torch): the subtitle
writers and the language table come from here. Needs pip (to download)."""
import os, subprocess, sys, tarfile, tempfile

PACKAGE = "openai-whisper==20250625"


def read(suffix):
    """The bytes of the package's file whose path ends with `suffix` (e.g. "/whisper/utils.py")."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "-d", folder, PACKAGE], check=True)
        archive = [f for f in os.listdir(folder) if f.endswith(".tar.gz")][0]
        with tarfile.open(os.path.join(folder, archive)) as tar:
            member = [m for m in tar.getmembers() if m.name.endswith(suffix)][0]
            return tar.extractfile(member).read()
