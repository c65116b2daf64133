"""Compare packaged GeoNames reverse geocoders (how Shoebox's dataset was chosen).

Usage: .venv/bin/python bench/bench_geocode_datasets.py [N]
Each candidate runs in its own process: load time, resident memory after load (VmRSS minus the
interpreter's), lookups/s on N random land-ish coordinates, and country/city hits on the corpus
GPS positions (the truth table in tests/places/test_places_geocode.py). Candidates that are not
installed are skipped: `pip install reverse-geocode rgeocoder reverse-geocoder` to run them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHILD = r"""
import json, random, sys, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
name, n, truth = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
random.seed(1)
coords = [(random.uniform(-55, 70), random.uniform(-170, 179)) for _ in range(n)]
base = rss()
t0 = time.perf_counter()
if name == 'reverse-geocode':
    import reverse_geocode
    reverse_geocode.get((0.0, 0.0))
    def one(lat, lon):
        r = reverse_geocode.get((lat, lon)); return r['country_code'], r['city']
    def many(cs): return reverse_geocode.search(cs)
elif name == 'rgeocoder':
    from rgeocoder import ReverseGeocoder
    rg = ReverseGeocoder(lazy=False)
    def one(lat, lon):
        r = rg.nearest(lat, lon); return r.cc, r.name
    def many(cs): return [rg.nearest(a, b) for a, b in cs]
elif name == 'reverse-geocoder':
    import reverse_geocoder
    reverse_geocoder.search([(0.0, 0.0)], mode=1, verbose=False)
    def one(lat, lon):
        r = reverse_geocoder.search([(lat, lon)], mode=1, verbose=False)[0]
        return r['cc'], r['name']
    def many(cs): return reverse_geocoder.search(cs, mode=1, verbose=False)
elif name == 'shoebox':
    from appliance.places.geocoder import Geocoder
    g = Geocoder.shared()
    def one(lat, lon):
        p = g.lookup(lat, lon); return (p.country_code, p.city) if p else (None, None)
    def many(cs): return g.lookup_many(cs)
load = time.perf_counter() - t0
mem = rss() - base
t0 = time.perf_counter(); many(coords); rate = n / (time.perf_counter() - t0)
cc_ok = city_ok = city_n = 0
for lat, lon, cc, city in truth:
    got_cc, got_city = one(lat, lon)
    cc_ok += got_cc == cc
    if city:
        city_n += 1; city_ok += got_city == city
out = dict(load_s=load, mem_mb=mem, per_s=rate, cc=cc_ok, n=len(truth))
print(json.dumps(dict(out, city=city_ok, city_n=city_n)))
"""


def main() -> None:
    from tests.place_truth import BORDER_TRUTH, CORPUS_TRUTH

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    truth = [(lat, lon, cc, city) for _, lat, lon, cc, _, city in CORPUS_TRUTH + BORDER_TRUTH]
    print(f"{'candidate':18} {'load s':>7} {'MB':>6} {'lookups/s':>10} {'country':>8} {'city':>6}")
    for name in ("reverse-geocode", "rgeocoder", "reverse-geocoder", "shoebox"):
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, name, str(n), json.dumps(truth)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        if proc.returncode:
            print(f"{name:18} skipped: {proc.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"{name:18} {r['load_s']:7.2f} {r['mem_mb']:6.0f} {r['per_s']:10.0f} "
            f"{r['cc']:>4}/{r['n']:<3} {r['city']:>3}/{r['city_n']}"
        )


if __name__ == "__main__":
    main()
