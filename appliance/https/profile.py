"""The iOS configuration profile that installs the box's authority (Settings > Profile
Downloaded > Install; then Settings > General > About > Certificate Trust Settings)."""

from __future__ import annotations

import plistlib
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from appliance.https.certificates import fingerprint


def mobileconfig(ca: x509.Certificate, box: str) -> bytes:
    """An unsigned profile with one root certificate payload; its identifiers follow
    from the certificate, so downloading it twice gives the same profile."""
    seed = fingerprint(ca)
    payload = {
        "PayloadType": "com.apple.security.root",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"local.shoebox.{box}.authority",
        "PayloadUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, "shoebox-ca:" + seed)).upper(),
        "PayloadDisplayName": "Shoebox certificate authority",
        "PayloadDescription": f"Lets this device check that it talks to the Shoebox at {box}.",
        "PayloadCertificateFileName": "shoebox-ca.cer",
        "PayloadContent": ca.public_bytes(serialization.Encoding.DER),
    }
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"local.shoebox.{box}",
        "PayloadUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, "shoebox-profile:" + seed)).upper(),
        "PayloadDisplayName": f"Shoebox ({box})",
        "PayloadDescription": "Trust the certificate of your Shoebox photo library.",
        "PayloadOrganization": "Shoebox",
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [payload],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML)
