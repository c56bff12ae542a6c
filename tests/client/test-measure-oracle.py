#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptctl measure against libvirt's virt-qemu-sev-validate (Debian: libvirt-clients-qemu), an
independent implementation of the SEV and SEV-ES (legacy VMSA form) launch digest, on Debian's own
OVMF images (package ovmf) and on the synthetic images of tests/fixtures/measure.

The validator checks a launch measurement, HMAC-SHA256(TIK, 0x04 | API major | minor | build |
policy | digest | nonce) | nonce, so each case hands it a measurement made from OUR digest with a
TIK and nonce of the test's own: it says "OK" only if it computes the same digest. Its --debug log
also prints its digest ("Measured-data(sha256)"), compared directly. A flipped digest must fail.

    test-measure-oracle.py MEMCRYPTCTL TEST-MEASURE
"""

import base64
import glob
import hashlib
import hmac
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ok, skip_all, done  # noqa: E402

VALIDATOR = "/usr/bin/virt-qemu-sev-validate"
# The validator needs the distribution's python3 (lxml, cryptography, libvirt), not one on PATH.
PYTHON = "/usr/bin/python3"
TIK = bytes(range(16))
TEK = bytes(range(16, 32))
NONCE = bytes.fromhex("00112233445566778899aabbccddeeff")
API = (1, 55, 21)
CPUS = {"EPYC-v4": (23, 1, 2), "EPYC-Milan": (25, 1, 1), "EPYC-Rome": (23, 49, 0)}
CMDLINE = "console=ttyS0 root=/dev/vda1 ro"


def measurement(digest_hex, policy):
    msg = (bytes([0x04, API[0], API[1], API[2]]) + policy.to_bytes(4, "little") + bytes.fromhex(digest_hex) + NONCE)
    return base64.b64encode(hmac.new(TIK, msg, "sha256").digest() + NONCE).decode()


def ours(ctl, args):
    r = subprocess.run([ctl, "measure"] + args, capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None, r.stderr.strip()


def verify(ctl, tmp, digest_hex, policy, measured_hex):
    """memcryptctl attest verify's exit status on the measurement a launch with MEASURED_HEX gives."""
    r = subprocess.run([ctl, "attest", "verify", "--measurement", measurement(measured_hex, policy),
                        "--api-major", str(API[0]), "--api-minor", str(API[1]), "--build-id", str(API[2]),
                        "--policy", str(policy), "--tik", f"{tmp}/tik", "--expected", digest_hex],
                       capture_output=True, text=True)
    return r.returncode


def validate(tmp, digest_hex, policy, firmware, boot, cpus):
    """The validator's exit status, its own digest (from --debug) and its output."""
    args = [PYTHON, VALIDATOR, "--debug", "--measurement", measurement(digest_hex, policy),
            "--api-major", str(API[0]), "--api-minor", str(API[1]), "--build-id", str(API[2]),
            "--policy", str(policy), "--firmware", firmware, "--tik", f"{tmp}/tik", "--tek", f"{tmp}/tek"]
    if boot:
        args += ["--kernel", f"{tmp}/kernel.bin", "--initrd", f"{tmp}/initrd.bin", "--cmdline", CMDLINE]
    if cpus:
        n, (family, model, stepping) = cpus
        args += ["--num-cpus", str(n), "--cpu-family", str(family), "--cpu-model", str(model),
                 "--cpu-stepping", str(stepping)]
    r = subprocess.run(args, capture_output=True, text=True)
    m = re.search(r"Measured-data\(sha256\): ([0-9a-f]{64})", r.stderr)
    return r.returncode, m.group(1) if m else None, (r.stdout + r.stderr).strip().splitlines()[-3:]


def main():
    ctl, synth = sys.argv[1], sys.argv[2]
    if not os.access(VALIDATOR, os.X_OK) or not os.access(PYTHON, os.X_OK):
        if os.environ.get("CI") == "true":
            ok(False, "virt-qemu-sev-validate is installed (tools/setup: libvirt-clients-qemu)")
            return done()
        skip_all("virt-qemu-sev-validate is not installed (Debian: libvirt-clients-qemu)")
    debian = sorted({os.path.realpath(p) for p in glob.glob("/usr/share/OVMF/OVMF_CODE*.fd")})
    if not debian and os.environ.get("CI") == "true":
        ok(False, "Debian's OVMF images are installed (tools/setup: ovmf)")

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([synth, "--write", tmp], check=True)
        for name, data in (("tik", TIK), ("tek", TEK)):
            with open(f"{tmp}/{name}", "wb") as f:
                f.write(data)
        images = [f"{tmp}/synth_{n}.bin" for n in ("amdsev_like", "x64_like", "nometa")] + debian
        compared = 0
        for fw in images:
            label = os.path.basename(fw)
            cases = [("sev", 0x1, False, None)]
            if label == "synth_amdsev_like.bin":    # the only image with a kernel hashes table
                cases.append(("sev", 0x1, True, None))
                cases.append(("seves", 0x5, True, (4, "EPYC-Milan")))
            cases += [("seves", 0x5, False, (1, "EPYC-v4")), ("seves", 0x5, False, (4, "EPYC-Milan")),
                      ("seves", 0x5, False, (2, "EPYC-Rome"))]
            for mode, policy, boot, cpus in cases:
                args = ["--mode", mode, "--ovmf", fw]
                if boot:
                    args += ["--kernel", f"{tmp}/kernel.bin", "--initrd", f"{tmp}/initrd.bin", "--append", CMDLINE]
                if cpus:
                    args += ["--vcpus", str(cpus[0]), "--vcpu-type", cpus[1], "--vmsa-init", "legacy"]
                what = f"{label} {mode}{' +kernel' if boot else ''}{f' {cpus[0]}x{cpus[1]}' if cpus else ''}"
                digest, err = ours(ctl, args)
                if not ok(digest is not None, f"{what}: memcryptctl measures it", [err]):
                    continue
                rc, theirs, out = validate(tmp, digest, policy, fw, boot,
                                           (cpus[0], CPUS[cpus[1]]) if cpus else None)
                ok(rc == 0 and theirs == digest, f"{what}: virt-qemu-sev-validate agrees ({digest[:16]}...)",
                   [f"exit {rc}, its digest {theirs}, ours {digest}"] + out)
                rc = verify(ctl, tmp, digest, policy, digest)
                ok(rc == 0, f"{what}: memcryptctl attest verify accepts the measurement it accepts", [f"exit {rc}"])
                compared += 1
        ok(compared >= 3 * 4 + 2, f"{compared} digests compared")

        # The control: a digest that is not the validator's is refused.
        fw = images[0]
        digest, _ = ours(ctl, ["--mode", "sev", "--ovmf", fw])
        wrong = ("0" if digest[0] != "0" else "1") + digest[1:]
        rc, theirs, out = validate(tmp, wrong, 0x1, fw, False, None)
        ok(rc != 0 and theirs == digest, "a measurement made from another digest fails validation",
           [f"exit {rc}"] + out)
        rc = verify(ctl, tmp, digest, 0x1, wrong)
        ok(rc == 3, "memcryptctl attest verify refuses it too (exit 3)", [f"exit {rc}"])
    return done()


if __name__ == "__main__":
    sys.exit(main())
