"""A synthetic catalogue of N photos for the web/search benchmark, generated inside SQLite.

Rows are made by ``INSERT ... SELECT`` from a recursive CTE, so a million photos take a
minute or two, not tens of minutes. Pseudo-random values come from an integer hash of the
photo id (deterministic: the same N gives the same catalogue). Photos come in "events" of
about 40 (same day, same place), like a family's library: 60 % of events have GPS around
one of a few real cities (the home town most often), 30 % of photos have a face of one of
300 people (60 named, a few family members on most), each photo has 1-3 labels with a
Zipf-like use (common labels on many photos, rare ones on few), 200 albums, and text in
about 8 % of the pictures (receipts and letters, screenshots, signs and T-shirts: see
`text_of`), read into ``photo_text`` and ``text_word`` as the background reader stores it.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

EVENT_SIZE = 40
LABELS = ["cat", "dog", "car", "beach", "tree", "flower", "bird", "mountain", "food", "bicycle"]
LABELS += [f"thing{i}" for i in range(190)]
MAKES = ["Canon", "NIKON", "Apple", "SONY", "FUJIFILM", "samsung"]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
    "Karla",
    "Leo",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sami",
    "Tara",
    "Ugo",
    "Vera",
    "Walt",
    "Xenia",
    "Yann",
    "Zoe",
]
# (city, region, country, ISO code, lat, lon); the first is "home"
CITIES = [
    ("Lyon", "Auvergne-Rhône-Alpes", "France", "FR", 45.76, 4.84),
    ("Paris", "Île-de-France", "France", "FR", 48.86, 2.35),
    ("Marseille", "Provence-Alpes-Côte d'Azur", "France", "FR", 43.30, 5.37),
    ("Geneva", "Geneva", "Switzerland", "CH", 46.20, 6.14),
    ("Barcelona", "Catalonia", "Spain", "ES", 41.39, 2.17),
    ("Rome", "Lazio", "Italy", "IT", 41.90, 12.50),
    ("London", "England", "United Kingdom", "GB", 51.51, -0.13),
    ("Berlin", "Berlin", "Germany", "DE", 52.52, 13.40),
    ("New York", "New York", "United States", "US", 40.71, -74.01),
    ("Reykjavik", "Capital Region", "Iceland", "IS", 64.15, -21.94),
    ("Kyoto", "Kyoto", "Japan", "JP", 35.01, 135.77),
    ("Chamonix", "Auvergne-Rhône-Alpes", "France", "FR", 45.92, 6.87),
]
# 60 named people (a family of five among them) and 240 unnamed clusters; 200 albums
PEOPLE = [f"{FIRST_NAMES[i % 25]} {chr(65 + i // 25)}." for i in range(60)] + [None] * 240
ALBUMS = [f"{c[0]} trip {y}" for y in range(2005, 2025) for c in CITIES[:10]]

# --- text in pictures ---------------------------------------------------------------------
# About 8 % of the photos say something, as in a family's library: receipts, letters and
# forms (2 %: kind 'document', 20-60 words), screenshots of a wifi password, a boarding pass,
# a chat (2 %: 'screenshot', 10-30 words) and signs, T-shirts, labels on ordinary photos
# (4 %: no kind, 1-6 words). Words come from a vocabulary of a few thousand (common English
# and French words, shop names, topic words, then made-up words for the long tail) drawn
# with a Zipf-like use, plus a rare word or two per text (one of 20,000 made-up names, a
# booking code). Every other photo was read too and has no text (``''``), as the background
# reader leaves it. The texts depend on the photo id only: both backends get the same ones.

TEXT_VERSION = 2  # the cached catalogue's marker (1: before text in pictures)
TEXT_ENGINE = "rapidocr (synthetic)"
TEXT_READ_AT = "2024-06-01 12:00:00"
DOCUMENT, SCREENSHOT = "document", "screenshot"
# per 10,000 photos: documents below 200, screenshots below 400, signs below 800
TEXT_SHARES = ((200, DOCUMENT), (400, SCREENSHOT), (800, None))


def _listed(text: str, sep: str | None = None) -> list[str]:
    """The words (or ``sep``-separated names) of a block of text."""
    return [" ".join(item.split()) for item in text.split(sep) if item.strip()]


COMMON_WORDS = """
the de and la to le of a et in les is you des for it en on that un with une this du est
are pour be at your we or dans not par have from all au by sur our will can more new qui
pas plus ne ce se il nous vous no out if about up sont what avec my one time so get just
like day only now also but me avoir tout faire comme see go make été was free today home
open please bon merci jour here monde two good best first last order next page info help
contact service prix heure heures minutes information call site votre vos notre nos ici
rue avenue place boulevard chemin paris lyon france rendez vous demain tomorrow love week
semaine lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday
thursday friday saturday sunday janvier fevrier mars avril mai juin juillet aout septembre
octobre novembre decembre january february march april may june july august september
october november december number name nom prenom address adresse email mail phone
telephone code date signature merci beaucoup welcome bienvenue sale soldes offre offer
price euro euros eur total card carte cash change ticket client customer store magasin
shop boutique centre center city ville road street north south east west nord sud est
ouest school ecole family famille children enfants water eau coffee cafe tea the pain bread
milk lait wine vin beer biere cheese fromage chocolate chocolat fruit fruits apple pomme
orange banana banane tomato tomate salad salade pizza burger menu kids adult adulte
room chambre hotel gare station train bus metro tram airport aeroport flight vol gate
porte seat siege terminal departure depart arrival arrivee passenger passager class
classe economy business reservation booking ref confirmation paid paye payment paiement
total sous subtotal tax tva vat ht ttc qty quantite montant amount due rendu monnaie
especes visa mastercard sans contact contactless auth autorisation terminal transaction
garage parking sortie exit entree entrance stop danger attention interdit prive private
ferme closed ouvert fermeture ouverture horaires hours toilets toilettes ascenseur lift
escalier stairs plage beach mer sea mountain montagne lac lake river riviere parc park
jardin garden museum musee eglise church chateau castle pont bridge tour tower marche
market pharmacie pharmacy boulangerie bakery patisserie boucherie butcher epicerie
grocery librairie bookshop restaurant bar brasserie bistro pizzeria creperie glacier
wifi password mot passe network reseau guest invite connect connexion login user
utilisateur message messages reply repondre sent envoye read lu ok yes oui non haha lol
thanks thx see soon bientot bisous kiss miss call appel video photo photos battery
batterie settings reglages update mise jour download telecharger app store search
recherche map carte route itinerary itineraire minutes km walk drive team equipe club
champion champions university college surf skate sport sports run marathon finish
"""
SHOPS = _listed(
    """
Carrefour Market; Monoprix; Franprix; Intermarché; E.Leclerc; Auchan; Casino Shop; Picard;
Lidl; Aldi; Biocoop; Décathlon; IKEA; Fnac; Darty; Boulangerie Paul; Castorama;
Leroy Merlin; Sephora; Zara; Uniqlo; Tesco Express; Sainsbury's; Migros; Coop; Starbucks;
Relay; TotalEnergies; Shell; Esso; BP; Garage du Centre; Norauto; Midas; Speedy; Feu Vert;
Pharmacie de la Gare; Boulangerie Saint-Jean; Maison Kayser; HEMA; Action; Gifi; Cultura;
Poulaillon; Amorino; Grom; Ladurée; Angelina; Fauchon; Garage Renault; Pharmacie Centrale
""",
    ";",
)
_SHOP_WEIGHTS = [1 / (i + 1) for i in range(len(SHOPS))]
STREETS = _listed(
    """
Paix Republique Victor Hugo Gambetta Jean Jaures Pasteur Foch Liberte Moulin Gare Eglise
Lilas Roses Tilleuls Chenes Mairie Ecoles Marronniers Fontaine Verdun Garibaldi Bellecour
Croix Rousse Vieux Lyon Part Dieu Brotteaux Monplaisir Confluence Guillotiere Terreaux
""",
)
ITEMS = _listed(
    """
baguette croissant pain chocolat lait beurre fromage yaourt oeufs pommes oranges bananes
tomates salade jambon poulet steak saumon riz pates farine sucre cafe the eau vin biere jus
chips biscuits gateau tarte glace essence gazole diesel sp95 vidange pneus filtre huile
lavage piles ampoule savon shampoing dentifrice couches lessive papier sacs journal
magazine timbres tickets batteries chargeur cable
""",
)
DOC_WORDS = _listed(
    """
facture invoice contrat contract assurance insurance banque bank releve statement compte
account attestation certificate certificat school ecole inscription registration
mairie formulaire form dossier file medecin doctor ordonnance prescription rendez vous
appointment vaccin vaccination carnet sante health impots tax avis declaration loyer rent
quittance electricite edf gaz eau internet abonnement subscription garantie warranty
notice manuel manual page article reference client numero dossier date objet madame
monsieur cordialement sincerely dear cher chere veuillez agreer salutations
""",
)
SIGN_WORDS = _listed(
    """
sortie exit entree stop parking interdit prive danger attention ferme ouvert open closed
rue avenue place boulevard plage beach welcome bienvenue boulangerie pharmacie hotel
restaurant cafe bar tabac presse poste gare metro bus taxi toilettes wc information
accueil caisse soldes sale love paris new york surf team champion university college club
marathon finish happy birthday joyeux anniversaire mariage just married bio organic
chocolat noir fait maison homemade vin rouge blanc rose cuvee reserve grand cru vintage
""",
)
_SIGN_WEIGHTS = [1 / (i + 4) for i in range(len(SIGN_WORDS))]
CHAT_WORDS = _listed(
    """
ok oui non yes no haha lol merci thanks thx demain tomorrow ce soir tonight bisous love
see you soon bientot ou where quand when on arrive coming train retard late dinner diner
maman papa mamie papi chez nous home photo video appel call
""",
)
CITIES_TEXT = [c[0].lower() for c in CITIES] + ["nice", "bordeaux", "lisbon", "madrid", "oslo"]
AIRLINES = ["AF", "U2", "LH", "BA", "IB", "KL", "FR", "VY", "JL", "LX"]
_SYLLABLES = _listed(
    "ba be bi bo bu ca ce co da de di do fa fe fi fo ga ge go la le li lo lu ma me mi mo mu "
    "na ne ni no pa pe pi po ra re ri ro ru sa se si so ta te ti to tu va ve vi vo za zo"
)
_ENDINGS = ["", "", "", "n", "r", "s", "l", "t", "x", "nne", "lle", "que"]
_CODE = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
VOCABULARY_SIZE = 3000
RARE_WORDS = 20_000


def _made_up(rng: random.Random, syllables: tuple[int, int], taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(*syllables)))
        word += rng.choice(_ENDINGS)
        if word not in taken:
            taken.add(word)
            return word


def _vocabularies() -> tuple[list[str], list[int], list[str]]:
    """(the vocabulary in order of use, its cumulative Zipf weights, the rare words)."""
    from appliance.text.words import words as folded

    words: list[str] = []
    taken: set[str] = set()
    for group in (COMMON_WORDS, " ".join(SHOPS), " ".join(ITEMS), " ".join(DOC_WORDS)):
        for word in folded(group):
            if word not in taken:
                taken.add(word)
                words.append(word)
    rng = random.Random(2024)
    while len(words) < VOCABULARY_SIZE:
        words.append(_made_up(rng, (2, 3), taken))
    rare = [_made_up(rng, (3, 4), taken).capitalize() for _ in range(RARE_WORDS)]
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1 / (rank + 2.7)  # Zipf-Mandelbrot: the top words a little less dominant
        cumulative.append(total)
    return words, cumulative, rare


VOCABULARY, _CUMULATIVE, RARE = _vocabularies()
_RARE_FOLDED = {word.lower() for word in RARE}


def _mix(n: int, salt: int) -> int:
    """A 64-bit integer hash (splitmix64 finaliser) of ``n``."""
    x = (n * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def text_kind(photo_id: int) -> tuple[bool, str | None]:
    """(whether the photo says something, its kind)."""
    share = _mix(photo_id, 99) % 10_000
    for below, kind in TEXT_SHARES:
        if share < below:
            return True, kind
    return False, None


def _zipf(rng: random.Random, k: int) -> list[str]:
    return rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=k)


def _code(rng: random.Random, length: int = 6) -> str:
    return "".join(rng.choice(_CODE) for _ in range(length))


def _lines(words: list[str], rng: random.Random, shortest: int = 3, longest: int = 8) -> str:
    lines, at = [], 0
    while at < len(words):
        step = rng.randint(shortest, longest)
        lines.append(" ".join(words[at : at + step]))
        at += step
    return "\n".join(lines)


def _price(rng: random.Random) -> str:
    return f"{rng.randint(0, 60)},{rng.randint(0, 99):02d}"


def _document(rng: random.Random) -> str:
    size = rng.randint(20, 60)
    rare = rng.choice(RARE)
    if rng.random() < 0.65:  # a receipt
        shop = rng.choices(SHOPS, weights=_SHOP_WEIGHTS)[0]
        head = [shop, str(rng.randint(1, 120)), rng.choice(["rue", "avenue", "place"])]
        head += [rng.choice(STREETS), rng.choice(CITIES_TEXT)]
        english = rng.random() < 0.3
        head += ["receipt" if english else "ticket", "n", str(rng.randint(1000, 99999))]
        day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2005, 2024)}"
        lines = [" ".join(head[:1]), " ".join(head[1:5]), " ".join(head[5:]), day]
        tail = [
            "total",
            _price(rng),
            "eur",
            rng.choice(["carte", "cb", "visa", "especes", "card"]),
            f"xxxx{rng.randint(0, 9999):04d}",
            "tva" if not english else "vat",
            "20",
            rng.choice(["merci de votre visite", "thank you", "a bientot", "merci"]),
            rare,
        ]
        words = sum(len(line.split()) for line in lines) + len(tail)
        while words < size:
            item = [rng.choice(ITEMS)] + _zipf(rng, rng.randint(0, 2)) + [_price(rng)]
            lines.append(" ".join(item))
            words += len(item)
        return "\n".join(lines + [" ".join(tail[:3]), " ".join(tail[3:7]), " ".join(tail[7:])])
    head = rng.sample(DOC_WORDS, 3)
    body = _zipf(rng, size - 5)
    body.insert(rng.randrange(len(body)), rare)
    return _lines(head + body + [_code(rng), str(rng.randint(100000, 999999))], rng, 5, 10)


def _screenshot(rng: random.Random) -> str:
    size = rng.randint(10, 30)
    rare = rng.choice(RARE)
    what = rng.random()
    if what < 0.25:  # a wifi password
        words = rng.choice([["wifi", "network"], ["reseau", "wifi"], ["wifi", "guest"]])
        words += [rare, rng.choice(["password", "mot de passe", "code"]), _code(rng, 10)]
    elif what < 0.45:  # a boarding pass
        a, b = rng.sample(CITIES_TEXT, 2)
        words = ["boarding", "pass", "flight", f"{rng.choice(AIRLINES)}{rng.randint(10, 9999)}"]
        words += [a, b, "gate", f"{rng.choice('ABCDFK')}{rng.randint(1, 60)}", "seat"]
        words += [f"{rng.randint(1, 40)}{rng.choice('ABCDEF')}", "booking", _code(rng), rare]
    elif what < 0.75:  # a chat
        words = rng.choices(CHAT_WORDS, k=size // 2) + [rare]
    else:  # an app, a map, a web page
        words = [rare]
    words = words + _zipf(rng, max(0, size - len(words)))
    return _lines(words, rng, 2, 6)


def _sign(rng: random.Random) -> str:
    size = rng.randint(1, 6)
    words = rng.choices(SIGN_WORDS, weights=_SIGN_WEIGHTS, k=size)
    if rng.random() < 0.4:
        words[rng.randrange(size)] = rng.choice(RARE)
    elif rng.random() < 0.3:
        words[-1] = _zipf(rng, 1)[0]
    return " ".join(words).upper() if rng.random() < 0.5 else " ".join(words)


def text_of(photo_id: int) -> tuple[str, str | None] | None:
    """(the text read in the photo, its kind), None when it says nothing."""
    says, kind = text_kind(photo_id)
    if not says:
        return None
    rng = random.Random(photo_id * 7919 + 17)
    if kind == DOCUMENT:
        return _document(rng), kind
    if kind == SCREENSHOT:
        return _screenshot(rng), kind
    return _sign(rng), kind


def text_batches(
    photos: int, batch: int = 20_000
) -> Iterator[tuple[list[tuple[int, str, str | None]], list[tuple[str, int]]]]:
    """Per ``batch`` photo ids: ([(photo id, text, kind)], [(key, photo id)]) of the photos
    with text, the keys exactly as `appliance.text.words.keys` makes them."""
    from appliance.text.words import keys

    for first in range(1, photos + 1, batch):
        texts, rows = [], []
        for photo_id in range(first, min(first + batch, photos + 1)):
            found = text_of(photo_id)
            if found is None:
                continue
            texts.append((photo_id, *found))
            rows += [(key, photo_id) for key in sorted(keys(found[0]))]
        yield texts, rows


def rare_word(photos: int) -> str:
    """A rare word some text of the catalogue says (the made-up name in the first text at
    or after the middle id): a handful of photos have it."""
    for photo_id in range(max(1, photos // 2), photos + 1):
        found = text_of(photo_id)
        rare = [w for w in found[0].lower().split() if w in _RARE_FOLDED] if found else []
        if rare:
            return rare[0]
    return RARE[0].lower()


def _h(expr: str, salt: int) -> str:
    """SQL for a pseudo-random integer in [0, 2**31) from an integer expression: a
    multiply-xorshift hash (SQLite has no XOR: ``a ^ b = (a | b) - (a & b)``)."""

    def xorshift(x: str, bits: int) -> str:
        return f"((({x}) | (({x}) >> {bits})) - (({x}) & (({x}) >> {bits})))"

    x = f"((({expr}) * 2654435761 + {salt * 40503 + 12345}) % 4294967296)"
    x = f"({xorshift(x, 15)} * 2246822519 % 4294967296)"
    return f"({xorshift(x, 13)} / 2)"


MARKER = "synthetic-version"  # beside catalog.db: TEXT_VERSION once its text is in


def _marked(marker: Path) -> int:
    try:
        return int(marker.read_text().strip())
    except (OSError, ValueError):
        return 1


def prepare(root: Path, photos: int) -> float:
    """Make ``root`` a migrated library holding ``photos`` synthetic photos unless it is one
    already (a cached catalogue is only brought up to the current schema); return the
    seconds spent generating (0 when cached)."""
    from appliance.catalog.db import connect
    from appliance.catalog.search_index import create_search_indexes
    from appliance.library import Library

    marker = root / MARKER
    if (root / "catalog.db").exists():
        db = connect(Library(root).catalog_path)  # migrations
        db.close()
        if _marked(marker) >= TEXT_VERSION:
            return 0.0
        t0 = time.perf_counter()  # a catalogue from before text in pictures: add it
        add_text(Library(root).catalog_path, photos)
        marker.write_text(f"{TEXT_VERSION}\n")
        return time.perf_counter() - t0
    t0 = time.perf_counter()
    part = root.with_name(root.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    library = Library(part).ensure()
    connect(library.catalog_path).close()
    generate(library.catalog_path, photos)
    db = connect(library.catalog_path)
    create_search_indexes(db)  # the generator dropped them for speed: backfill now
    db.close()
    add_text(library.catalog_path, photos)
    (part / MARKER).write_text(f"{TEXT_VERSION}\n")
    root.parent.mkdir(parents=True, exist_ok=True)
    part.rename(root)
    return time.perf_counter() - t0


def generate(db_path: Path, photos: int) -> None:
    """Fill an empty, migrated catalogue at ``db_path`` with ``photos`` photos."""
    con = sqlite3.connect(db_path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-300000;")
    ev = f"(n / {EVENT_SIZE})"
    # the search index is filled in one pass afterwards, not row by row by its triggers
    from appliance.catalog.search_index import FTS_TABLE, TRIGGERS

    for trigger in TRIGGERS:
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    con.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    con.execute("BEGIN")
    con.executemany("INSERT INTO label (name, categories) VALUES (?, '')", [(n,) for n in LABELS])
    con.executemany(
        "INSERT INTO person (name, face_count, hidden, cover_chosen, created_at, updated_at)"
        " VALUES (?, 0, 0, 0, '2020-01-01', '2020-01-01')",
        [(name,) for name in PEOPLE],
    )
    con.executemany(
        "INSERT INTO album (title, description, created_at, updated_at)"
        " VALUES (?, '', '2020-01-01', '2020-01-01')",
        [(title,) for title in ALBUMS],
    )
    con.execute(
        "CREATE TEMP TABLE city (i INTEGER PRIMARY KEY, city, region, country, cc, lat, lon)"
    )
    cities = [(i, *c) for i, c in enumerate(CITIES)]
    con.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?)", cities)
    con.execute("CREATE TEMP TABLE make (i INTEGER PRIMARY KEY, name)")
    con.executemany("INSERT INTO make VALUES (?, ?)", list(enumerate(MAKES)))
    # one row per photo: event day, seconds in the day, GPS city (or -1), camera
    con.execute(
        f"""
        CREATE TEMP TABLE g AS
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {photos})
        SELECT n,
          datetime('2005-01-01', '+' || ({_h(ev, 1)} % 7300) || ' days',
                   '+' || (28800 + {_h(ev, 2)} % 3600 + (n % {EVENT_SIZE}) * 300) || ' seconds')
            AS t,
          CASE WHEN {_h(ev, 3)} % 10 >= 6 THEN -1
               WHEN {_h(ev, 4)} % 2 = 0 THEN 0 ELSE {_h(ev, 5)} % {len(CITIES)} END AS c,
          {_h(f"{ev} / 10", 6)} % {len(MAKES)} AS mk
        FROM seq
        """
    )
    con.execute(
        f"""
        INSERT INTO photo (id, status, kind, mime, primary_sha256, taken_at, sort_time,
          camera_make, camera_model, latitude, longitude, place_country_code, place_country,
          place_region, place_city, place_source, places_version, width, height, favorite,
          archived, labels_version, faces_version, stack_hidden, unstacked, created_at,
          updated_at)
        SELECT g.n, 'ok', CASE WHEN {_h("g.n", 7)} % 20 = 0 THEN 'raw' ELSE 'image' END,
          CASE WHEN {_h("g.n", 8)} % 5 = 0 THEN 'image/heic' ELSE 'image/jpeg' END,
          printf('%064x', g.n), g.t, g.t, make.name, 'Model ' || ({_h("g.n / 4000", 9)} % 20),
          city.lat + ({_h("g.n", 10)} % 2001 - 1000) / 10000.0,
          city.lon + ({_h("g.n", 11)} % 2001 - 1000) / 10000.0,
          city.cc, city.country, city.region, city.city,
          CASE WHEN city.i IS NULL THEN NULL ELSE 'gps' END,
          CASE WHEN city.i IS NULL THEN 0 ELSE 1 END,
          4000, 3000, {_h("g.n", 12)} % 33 = 0, {_h("g.n", 13)} % 100 = 0, 1, 1, 0, 0, g.t, g.t
        FROM g JOIN make ON make.i = g.mk LEFT JOIN city ON city.i = g.c
        """
    )
    con.execute(
        """
        INSERT INTO file (photo_id, sha256, role, mime, kind, size, stored_path, original_name,
          warnings, created_at)
        SELECT id, primary_sha256, 'original', mime, kind, 3000000,
          strftime('%Y/%m/', sort_time) || printf('IMG_%07d.JPG', id),
          printf('IMG_%07d.JPG', id), '', created_at
        FROM photo
        """
    )
    # 1-3 labels per photo; label id = 1 + 200 * u^3 (Zipf-like)
    for salt in (14, 15, 16):
        u = f"({_h('id', salt)} % 10000 / 10000.0)"
        con.execute(
            f"""
            INSERT OR IGNORE INTO photo_label (photo_id, label_id, confidence, source, removed)
            SELECT id, 1 + CAST({len(LABELS)} * {u} * {u} * {u} AS INTEGER), 0.8, 'model', 0
            FROM photo WHERE {salt} = 14 OR {_h("id", salt + 10)} % 3 = 0
            """
        )
    # faces on 30 % of photos: family (persons 1-5) on 60 % of them, anyone else otherwise
    con.execute(
        f"""
        INSERT INTO face (photo_id, box_x, box_y, box_w, box_h, keypoints, score, quality,
          usable, dismissed, person_id, assignment, created_at)
        SELECT id, 10, 10, 50, 50, '[]', 0.9, 0.5, 1, 0,
          CASE WHEN {_h("id", 18)} % 10 < 6 THEN 1 + {_h("id", 19)} % 5
               ELSE 1 + {_h("id", 20)} % 300 END, 'auto', created_at
        FROM photo WHERE {_h("id", 17)} % 10 < 3
        """
    )
    con.execute(
        f"""
        INSERT OR IGNORE INTO album_photo (album_id, photo_id, added_at)
        SELECT 1 + {_h("id / 40", 21)} % 200, id, created_at FROM photo
        WHERE {_h("id / 40", 22)} % 20 = 0
        """
    )
    con.execute("COMMIT")
    con.close()


def add_text(db_path: Path, photos: int) -> None:
    """Give the migrated catalogue at ``db_path`` (photo ids 1..``photos``) its readings:
    a ``photo_text`` row for every photo, the texts of `text_of` and their keys."""
    con = sqlite3.connect(db_path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-300000;")
    con.execute("BEGIN")
    con.execute("DELETE FROM text_word")
    con.execute("DELETE FROM photo_text")
    con.execute("CREATE TEMP TABLE said (photo_id INTEGER PRIMARY KEY, text, kind)")
    for texts, keys in text_batches(photos):
        con.executemany("INSERT INTO said VALUES (?, ?, ?)", texts)
        con.executemany("INSERT INTO text_word (key, photo_id) VALUES (?, ?)", keys)
    # every photo was read, in id order, as the background reader goes
    con.execute(
        "INSERT INTO photo_text (photo_id, text, kind, engine, error, read_at) "
        "SELECT photo.id, COALESCE(said.text, ''), said.kind, ?, NULL, ? "
        "FROM photo LEFT JOIN said ON said.photo_id = photo.id ORDER BY photo.id",
        (TEXT_ENGINE, TEXT_READ_AT),
    )
    con.execute("DROP TABLE said")
    con.execute("COMMIT")
    con.close()
