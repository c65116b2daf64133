"""Where the corpus GPS photos were taken, and positions near borders, checked by hand.

(file or description, latitude, longitude, country code, region or None, city or None): a
city is given only where it is unambiguous (the photo is in that town, not between two).
"""

from __future__ import annotations

CORPUS_TRUTH = [
    (
        "exif/exif-samples/gps/DSCN0010.jpg",
        43.4674483333333,
        11.8851266666639,
        "IT",
        "Tuscany",
        "Arezzo",
    ),
    ("exif/exif-samples/gps/DSCN0042.jpg", 43.464455, 11.8814783333333, "IT", "Tuscany", "Arezzo"),
    (
        "exif/exif-samples/cameras/Kodak_CX7530.jpg",
        -0.3713,
        36.0564166666667,
        "KE",
        "Nakuru County",
        None,
    ),
    (
        "exif/exif-samples/mobile/HMD_Nokia_8.3_5G.jpg",
        60.1467055555556,
        24.9067722222222,
        "FI",
        "Uusimaa",
        None,
    ),
    (
        "exif/exif-samples/tests/67-0_length_string.jpg",
        51.025,
        7.59194444444444,
        "DE",
        "North Rhine-Westphalia",
        "Gummersbach",
    ),
    ("exif/exiftool/GPS.jpg", 54.9896666666667, -1.91416666666667, "GB", "England", None),
    ("exif/exiftool/Ricoh2.jpg", 42.034575, -0.507502777777778, "ES", "Aragon", None),
    ("exif/immich/dates/datetimeoriginal-gps.jpg", 39.0, -108.0, "US", "Colorado", None),
    (
        "exif/immich/gps-position/thompson-springs.jpg",
        39.115,
        -108.400968333333,
        "US",
        "Colorado",
        None,
    ),
    ("exif/photoprism/IMG_4120.JPG", 50.0477444444444, 8.57235555555556, "DE", "Hesse", None),
    (
        "heif/exif-samples/IMG_5195.HEIC",
        39.0513444444444,
        -94.2887722222222,
        "US",
        "Missouri",
        None,
    ),
    ("heif/exif-samples/mobile/HMD_Nokia_8.3_5G.heif", 40.78868522, -4.00514085, "ES", None, None),
    ("heif/pillow_heif/pug.heic", 44.8504777777778, 34.9766472222222, "UA", "Crimea", "Sudak"),
    (
        "heif/pillow_heif/xiaomi.heic",
        47.2272888997222,
        39.6999921997222,
        "RU",
        "Rostov",
        "Rostov-na-Donu",
    ),
    ("video/IMG_4102.MOV", 48.85837, 2.294481, "FR", "Île-de-France", "Paris"),
    ("video/VID_20211224_200500.mp4", 52.5163, 13.37769, "DE", "State of Berlin", "Berlin"),
]

# Positions whose nearest GeoNames town lies across a border (or right at one).
BORDER_TRUTH = [
    ("Port du Rhin, Strasbourg (Kehl is nearer)", 48.5745, 7.7880, "FR", "Grand Est", "Strasbourg"),
    ("Kehl, across the Rhine", 48.5700, 7.8200, "DE", "Baden-Wurttemberg", "Kehl"),
    ("Windsor riverside, across from Detroit", 42.3149, -83.0364, "CA", "Ontario", "Windsor"),
    ("downtown Detroit", 42.3314, -83.0458, "US", "Michigan", "Detroit"),
    ("Ciudad Juárez, across from El Paso", 31.7200, -106.4600, "MX", "Chihuahua", "Ciudad Juárez"),
    ("Basel, beside France and Germany", 47.5596, 7.5886, "CH", "Basel-City", "Basel"),
    ("Gibraltar, beside La Línea", 36.1400, -5.3500, "GI", None, "Gibraltar"),
]
