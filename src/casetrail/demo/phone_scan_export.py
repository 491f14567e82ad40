"""The demo's phone data: the package list an advocate could take from Robin's Android phone with
``adb shell pm list packages -f -i -U``, holding ordinary apps and one made-up tracking app.

The tracking app, "TrackLite", does not exist: its package is under ``com.example`` and it is named
only in casetrail's demonstration indicators, labelled fictional (safety/data/demo-indicators.yaml).
It was side-loaded (no store installed it), as stalkerware usually is.
"""

from __future__ import annotations

from pathlib import Path

PACKAGES_FILE = "robin-phone-packages.txt"
FICTIONAL_TRACKER = "com.example.tracklite.demo"
_STORE = "com.android.vending"
# (package, APK folder as Android names it, installer); uids count up from 10100 as on a real phone.
_APPS = (
    ("com.whatsapp", "com.whatsapp-Qm9iaW4=", _STORE),
    ("com.google.android.gm", "com.google.android.gm-R21haWw=", _STORE),
    ("com.instagram.android", "com.instagram.android-SW5zdGE=", _STORE),
    ("com.facebook.orca", "com.facebook.orca-TWVzcw==", _STORE),
    ("org.telegram.messenger", "org.telegram.messenger-VGVsZQ==", _STORE),
    ("org.thoughtcrime.securesms", "org.thoughtcrime.securesms-U2ln", _STORE),
    ("com.discord", "com.discord-RGlzYw==", _STORE),
    ("com.twitter.android", "com.twitter.android-WA==", _STORE),
    ("com.spotify.music", "com.spotify.music-U3BvdA==", _STORE),
    ("com.google.android.apps.maps", "com.google.android.apps.maps-TWFwcw==", _STORE),
    ("com.android.chrome", "com.android.chrome-Q2hybw==", _STORE),
    ("com.bbc.sounds", "com.bbc.sounds-QkJD", _STORE),
    ("uk.co.nationalrail.google", "uk.co.nationalrail.google-TlJF", _STORE),
    ("com.x8bit.bitwarden", "com.x8bit.bitwarden-Qml0", _STORE),
    (FICTIONAL_TRACKER, "com.example.tracklite.demo-VHJhY2s=", None),
)
_SYSTEM = ("com.android.systemui", "com.android.settings", "com.google.android.gms", "com.android.phone")


def write_package_list(out_dir: Path) -> Path:
    """Write the package list; returns its path."""
    lines = []
    for uid, (package, folder, installer) in enumerate(_APPS, start=10100):
        path = f"/data/app/~~ZGVtbw==/{folder}/base.apk"
        lines.append(f"package:{path}={package}  installer={installer or 'null'} uid:{uid}")
    for uid, package in enumerate(_SYSTEM, start=1000):
        lines.append(f"package:/system/priv-app/{package.rsplit('.', 1)[-1]}/{package}.apk={package}  "
                     f"installer=null uid:{uid}")  # fmt: skip
    target = out_dir / PACKAGES_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
