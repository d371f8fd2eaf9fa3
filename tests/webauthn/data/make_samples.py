#!/usr/bin/env python3
"""Writes the sample credential JSON files of this folder.

Run from this folder; needs only python3 and the openssl command line tool.
The key is made fresh each run, so the output differs run to run; the
committed files are one such run.
"""
import base64
import hashlib
import json
import os
import subprocess
import tempfile


def head(major, value):
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError(value)


def enc(item):
    if isinstance(item, bool):
        return b"\xf5" if item else b"\xf4"
    if isinstance(item, int):
        return head(0, item) if item >= 0 else head(1, -1 - item)
    if isinstance(item, bytes):
        return head(2, len(item)) + item
    if isinstance(item, str):
        data = item.encode()
        return head(3, len(data)) + data
    if isinstance(item, list):
        return head(4, len(item)) + b"".join(enc(i) for i in item)
    if isinstance(item, dict):
        return head(5, len(item)) + b"".join(
            enc(k) + enc(v) for k, v in item.items())
    raise TypeError(item)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          capture_output=True).stdout


def main():
    tmp = tempfile.mkdtemp()
    key = os.path.join(tmp, "key.pem")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-out", key)
    point = openssl("pkey", "-in", key, "-pubout", "-outform", "DER")[-65:]
    cose = enc({1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:]})
    rp_hash = hashlib.sha256(b"localhost").digest()
    cred_id = hashlib.sha256(b"sample credential").digest()
    aaguid = bytes(16)
    reg_auth = (rp_hash + bytes([0x45]) + (0).to_bytes(4, "big") + aaguid +
                len(cred_id).to_bytes(2, "big") + cred_id + cose)
    att = enc({"fmt": "none", "attStmt": {}, "authData": reg_auth})
    origin = "http://localhost:8080"
    challenge = b64(hashlib.sha256(b"sample challenge").digest())
    reg_client = json.dumps({"type": "webauthn.create",
                             "challenge": challenge, "origin": origin,
                             "crossOrigin": False},
                            separators=(",", ":")).encode()
    get_client = json.dumps({"type": "webauthn.get", "challenge": challenge,
                             "origin": origin, "crossOrigin": False},
                            separators=(",", ":")).encode()
    get_auth = rp_hash + bytes([0x05]) + (1).to_bytes(4, "big")
    signed = get_auth + hashlib.sha256(get_client).digest()
    sig = openssl("dgst", "-sha256", "-sign", key, data=signed)
    user = hashlib.sha256(b"sample user").digest()

    files = {
        "registration_browser.json": {
            "id": b64(cred_id), "rawId": b64(cred_id), "type": "public-key",
            "response": {"clientDataJSON": b64(reg_client),
                         "attestationObject": b64(att),
                         "authenticatorData": b64(reg_auth),
                         "transports": ["usb", "nfc"],
                         "publicKeyAlgorithm": -7},
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {"credProps": {"rk": False}}},
        "registration_conformance.json": {
            "id": b64(cred_id), "type": "public-key",
            "response": {"clientDataJSON": b64(reg_client),
                         "attestationObject": b64(att)},
            "getClientExtensionResults": {}},
        "authentication_browser.json": {
            "id": b64(cred_id), "rawId": b64(cred_id), "type": "public-key",
            "response": {"clientDataJSON": b64(get_client),
                         "authenticatorData": b64(get_auth),
                         "signature": b64(sig), "userHandle": b64(user)},
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {}},
        "authentication_conformance.json": {
            "id": b64(cred_id), "rawId": b64(cred_id), "type": "public-key",
            "response": {"clientDataJSON": b64(get_client),
                         "authenticatorData": b64(get_auth),
                         "signature": b64(sig), "userHandle": ""},
            "getClientExtensionResults": {}},
    }
    for name, value in files.items():
        with open(name, "w") as out:
            json.dump(value, out, indent=2)
            out.write("\n")
    with open("sample_cose_key.hex", "w") as out:
        out.write(cose.hex() + "\n")


if __name__ == "__main__":
    main()
