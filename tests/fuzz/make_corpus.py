#!/usr/bin/env python3
"""Writes the seed corpora under corpus/ from the samples in
tests/webauthn/data, plus hand-made edge cases. Needs python3 and the
openssl command line tool; run from anywhere."""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "webauthn", "data")
sys.path.insert(0, DATA)
from make_samples import enc  # noqa: E402


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sample(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def write(harness, name, data):
    folder = os.path.join(HERE, "corpus", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          capture_output=True).stdout


def extra_keys():
    tmp = tempfile.mkdtemp()
    keys = {}
    ed = os.path.join(tmp, "ed.pem")
    openssl("genpkey", "-algorithm", "ED25519", "-out", ed)
    raw = openssl("pkey", "-in", ed, "-pubout", "-outform", "DER")[-32:]
    keys["ed25519"] = enc({1: 1, 3: -8, -1: 6, -2: raw})
    rsa = os.path.join(tmp, "rsa.pem")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
            "rsa_keygen_bits:2048", "-out", rsa)
    text = openssl("pkey", "-in", rsa, "-text_pub", "-noout").decode()
    hexits = "".join(text.split("Modulus:")[1].split("Exponent")[0].split())
    n = bytes.fromhex(hexits.replace(":", "")).lstrip(b"\0")
    keys["rs256"] = enc({1: 3, 3: -257, -1: n, -2: b"\x01\x00\x01"})
    p384 = os.path.join(tmp, "p384.pem")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-384", "-out", p384)
    point = openssl("pkey", "-in", p384, "-pubout", "-outform", "DER")[-97:]
    keys["es384"] = enc({1: 2, 3: -35, -1: 2, -2: point[1:49],
                         -3: point[49:]})
    return keys


def main():
    reg = sample("registration_browser.json")
    get = sample("authentication_browser.json")
    att = b64d(reg["response"]["attestationObject"])
    reg_auth = b64d(reg["response"]["authenticatorData"])
    get_auth = b64d(get["response"]["authenticatorData"])
    with open(os.path.join(DATA, "sample_cose_key.hex")) as f:
        cose = bytes.fromhex(f.read().strip())

    write("attestation_object", "none_es256", att)
    write("attestation_object", "packed_shape", enc(
        {"fmt": "packed", "attStmt": {"alg": -7, "sig": b"\x30\x00",
                                      "x5c": [b"\x30\x00"]},
         "authData": reg_auth}))
    write("attestation_object", "huge_array_header", b"\x9a\xff\xff\xff\xff")
    write("attestation_object", "empty_map", b"\xa0")
    write("attestation_object", "indefinite_map", b"\xbf\x63fmt\x64none\xff")

    write("authenticator_data", "registration", reg_auth)
    write("authenticator_data", "assertion", get_auth)
    ext = enc({"credProtect": 2})
    write("authenticator_data", "assertion_with_extensions",
          get_auth[:32] + bytes([get_auth[32] | 0x80]) + get_auth[33:] + ext)
    write("authenticator_data", "long_id_declared",
          get_auth[:32] + b"\x41" + get_auth[33:] + bytes(16) + b"\xff\xff")

    write("cose_key", "es256", cose)
    for name, key in extra_keys().items():
        write("cose_key", name, key)
    write("cose_key", "es256_bad_length", cose[:-1])
    write("cose_key", "private_part", enc({1: 1, 3: -8, -1: 6,
                                           -2: bytes(32), -4: bytes(32)}))

    write("client_data", "get", b64d(get["response"]["clientDataJSON"]))
    write("client_data", "create", b64d(reg["response"]["clientDataJSON"]))
    write("client_data", "cross_origin",
          '{"type":"webauthn.get","challenge":"AAEC","origin":"https://a.'
          'example","crossOrigin":true,"topOrigin":"https://b.example",'
          '"other_keys_can_be_added_here":[{"x":"\\ud83d\\ude00"}]}')
    write("client_data", "deep", "[" * 40)
    write("client_data", "duplicate",
          '{"type":"a","type":"b","challenge":"","origin":""}')

    for name in ("registration_browser", "registration_conformance",
                 "authentication_browser", "authentication_conformance"):
        with open(os.path.join(DATA, name + ".json"), "rb") as f:
            write("credential_json", name, f.read())
    write("credential_json", "id_mismatch",
          '{"id":"AAAA","rawId":"AAAB","type":"public-key","response":{}}')


if __name__ == "__main__":
    main()
