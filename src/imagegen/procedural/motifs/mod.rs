//! The motif library: parametric, printable shapes keyed by hobby words.
//!
//! A motif is built in its own frame: standing on y = 0, about one unit tall, centred on the y axis,
//! its face towards +z. Parts are at least 0.03 units thick and always touch, so each motif is one
//! solid; composition scales and places them.

mod home;
mod leisure;
mod nature;
mod shapes;
mod sport;
mod symbols;
mod words;

pub use words::stable_hash;

pub(crate) use shapes::star as star_outline;

use super::sdf::Node;
use rand::Rng;

/// Seeded proportions of one motif instance, each in [0, 1); 0.5 is the typical look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variation {
    pub a: f32,
    pub b: f32,
    pub c: f32,
}

impl Variation {
    pub const TYPICAL: Variation = Variation {
        a: 0.5,
        b: 0.5,
        c: 0.5,
    };

    pub fn from_rng(rng: &mut impl Rng) -> Variation {
        Variation {
            a: rng.random(),
            b: rng.random(),
            c: rng.random(),
        }
    }
}

/// One entry of the library.
pub struct Motif {
    pub name: &'static str,
    /// Base forms of the words that call for this motif; two-word keys match adjacent words.
    pub keywords: &'static [&'static str],
    /// How far to sink the motif into what it stands on, as a fraction of its height: more for
    /// shapes that meet the ground at a point (a ball, a heart's tip) so the join is broad.
    pub footing: f32,
    /// Generic motifs stand in for words the library does not know.
    pub generic: bool,
    build: fn(&Variation) -> Node,
}

impl Motif {
    pub fn build(&self, v: &Variation) -> Node {
        (self.build)(v)
    }
}

impl std::fmt::Debug for Motif {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

const fn motif(
    name: &'static str,
    keywords: &'static [&'static str],
    footing: f32,
    build: fn(&Variation) -> Node,
) -> Motif {
    Motif {
        name,
        keywords,
        footing,
        generic: false,
        build,
    }
}

const fn generic(
    name: &'static str,
    keywords: &'static [&'static str],
    footing: f32,
    build: fn(&Variation) -> Node,
) -> Motif {
    Motif {
        name,
        keywords,
        footing,
        generic: true,
        build,
    }
}

static CATALOGUE: &[Motif] = &[
    motif(
        "racket_and_ball",
        &[
            "tennis",
            "racket",
            "racquet",
            "squash",
            "badminton",
            "padel",
            "pickleball",
            "table tennis",
            "ping pong",
            "shuttlecock",
        ],
        0.03,
        sport::racket_and_ball,
    ),
    motif(
        "coffee_cup",
        &[
            "coffee",
            "espresso",
            "tea",
            "latte",
            "cappuccino",
            "cafe",
            "café",
            "barista",
            "mug",
            "cup",
            "wine",
            "beer",
            "brew",
            "cocktail",
            "chai",
        ],
        0.02,
        home::coffee_cup,
    ),
    motif(
        "mountain",
        &[
            "hike",
            "hiking",
            "climb",
            "mountain",
            "ski",
            "snowboard",
            "trek",
            "mountaineer",
            "mountaineering",
            "alpine",
            "boulder",
            "bouldering",
            "rock climb",
            "travel",
            "adventure",
            "explore",
            "trail",
            "backpack",
            "backpacking",
        ],
        0.02,
        nature::mountain,
    ),
    motif(
        "book",
        &[
            "read",
            "book",
            "write",
            "poetry",
            "poem",
            "literature",
            "novel",
            "library",
            "author",
            "journal",
            "study",
            "history",
            "language",
            "crossword",
            "bookworm",
            "poet",
            "blog",
            "storytelling",
        ],
        0.02,
        leisure::book,
    ),
    motif(
        "guitar",
        &[
            "guitar",
            "bass",
            "ukulele",
            "rock",
            "banjo",
            "band",
            "strum",
            "folk",
            "heavy metal",
        ],
        0.06,
        leisure::guitar,
    ),
    motif(
        "camera",
        &[
            "photography",
            "photo",
            "camera",
            "photograph",
            "film",
            "filmmaking",
            "video",
            "movie",
            "cinema",
            "vlog",
            "vlogging",
            "youtube",
            "selfie",
        ],
        0.02,
        leisure::camera,
    ),
    motif(
        "cat",
        &["cat", "kitten", "kitty", "feline", "meow"],
        0.02,
        nature::cat,
    ),
    motif(
        "dog",
        &["dog", "puppy", "pup", "canine", "doggo", "pet", "animal"],
        0.02,
        nature::dog,
    ),
    motif(
        "bicycle",
        &[
            "cycle",
            "cycling",
            "bike",
            "bicycle",
            "biking",
            "mountain bike",
            "triathlon",
            "bmx",
            "cyclist",
            "velo",
        ],
        0.04,
        sport::bicycle,
    ),
    motif(
        "football",
        &[
            "football",
            "soccer",
            "futsal",
            "basketball",
            "volleyball",
            "rugby",
            "ball",
            "handball",
            "netball",
            "baseball",
            "sport",
            "goal",
        ],
        0.1,
        sport::football,
    ),
    motif(
        "chess_knight",
        &[
            "chess",
            "checkers",
            "draughts",
            "strategy",
            "puzzle",
            "horse",
            "riding",
            "equestrian",
            "pony",
            "knight",
        ],
        0.02,
        leisure::chess_knight,
    ),
    motif(
        "paint_palette",
        &[
            "paint",
            "painting",
            "art",
            "draw",
            "drawing",
            "sketch",
            "sketching",
            "watercolor",
            "watercolour",
            "illustration",
            "artist",
            "painter",
            "calligraphy",
            "pottery",
            "ceramics",
            "sculpt",
        ],
        0.03,
        leisure::paint_palette,
    ),
    motif(
        "game_controller",
        &[
            "gaming",
            "game",
            "video game",
            "gamer",
            "playstation",
            "xbox",
            "nintendo",
            "esport",
            "e sport",
            "console",
            "minecraft",
            "fortnite",
            "arcade",
        ],
        0.04,
        leisure::game_controller,
    ),
    motif(
        "potted_plant",
        &[
            "garden",
            "gardening",
            "plant",
            "flower",
            "houseplant",
            "succulent",
            "botany",
            "orchid",
            "rose",
            "cactus",
            "bonsai",
            "horticulture",
        ],
        0.02,
        nature::potted_plant,
    ),
    motif(
        "fishing_rod",
        &[
            "fish",
            "fishing",
            "angling",
            "angler",
            "fly fishing",
            "fisherman",
            "carp",
            "trout",
        ],
        0.03,
        sport::fishing_rod,
    ),
    motif(
        "running_shoe",
        &[
            "run",
            "running",
            "jog",
            "jogging",
            "marathon",
            "sneaker",
            "athletics",
            "track",
            "walk",
            "walking",
            "runner",
            "parkrun",
            "trail run",
            "shoe",
            "sprint",
        ],
        0.02,
        sport::running_shoe,
    ),
    motif(
        "music_note",
        &[
            "music",
            "sing",
            "singing",
            "choir",
            "piano",
            "concert",
            "opera",
            "song",
            "karaoke",
            "dance",
            "dancing",
            "jazz",
            "violin",
            "drum",
            "orchestra",
            "musician",
            "compose",
            "ballet",
            "musical",
            "melody",
        ],
        0.0,
        symbols::music_note,
    ),
    motif(
        "rocket",
        &[
            "space",
            "astronomy",
            "rocket",
            "science",
            "physics",
            "engineering",
            "scifi",
            "sci fi",
            "star war",
            "nasa",
            "coding",
            "programming",
            "computer",
            "technology",
            "tech",
            "aviation",
            "flying",
            "plane",
            "stargazing",
            "astronaut",
        ],
        0.02,
        symbols::rocket,
    ),
    motif(
        "tree",
        &[
            "nature",
            "tree",
            "forest",
            "wood",
            "camp",
            "camping",
            "outdoor",
            "outdoors",
            "environment",
            "woodworking",
            "carpentry",
            "yoga",
            "meditation",
            "park",
        ],
        0.02,
        nature::tree,
    ),
    motif(
        "house",
        &[
            "home",
            "house",
            "diy",
            "architecture",
            "interior",
            "decorating",
            "building",
            "renovation",
            "real estate",
            "homemaking",
        ],
        0.02,
        home::house,
    ),
    motif(
        "cake",
        &[
            "bake",
            "baking",
            "cake",
            "dessert",
            "pastry",
            "cupcake",
            "sweets",
            "chocolate",
            "birthday",
            "party",
            "celebration",
            "candy",
            "baker",
        ],
        0.02,
        home::cake,
    ),
    motif(
        "anchor",
        &[
            "sail", "sailing", "boat", "boating", "navy", "sea", "ocean", "cruise", "kayak",
            "kayaking", "row", "rowing", "beach", "sailor", "maritime", "swim", "swimming", "surf",
            "surfing", "dive", "diving", "scuba", "canoe", "canoeing", "nautical",
        ],
        0.015,
        symbols::anchor,
    ),
    motif(
        "chef_hat",
        &[
            "cook", "cooking", "chef", "cuisine", "food", "kitchen", "grill", "grilling", "bbq",
            "barbecue", "foodie", "recipe",
        ],
        0.02,
        home::chef_hat,
    ),
    motif(
        "dumbbell",
        &[
            "fitness",
            "gym",
            "weight",
            "lifting",
            "weightlifting",
            "bodybuilding",
            "crossfit",
            "workout",
            "exercise",
            "training",
            "powerlifting",
            "strength",
            "martial art",
            "karate",
            "judo",
            "boxing",
        ],
        0.03,
        sport::dumbbell,
    ),
    motif(
        "yarn_ball",
        &[
            "knit",
            "knitting",
            "crochet",
            "sew",
            "sewing",
            "yarn",
            "quilt",
            "quilting",
            "embroidery",
            "weaving",
            "craft",
            "crafting",
            "wool",
        ],
        0.06,
        leisure::yarn_ball,
    ),
    motif(
        "dice",
        &[
            "board game",
            "dice",
            "tabletop",
            "dnd",
            "dungeon",
            "poker",
            "card",
            "casino",
            "gambling",
            "backgammon",
            "monopoly",
            "games night",
            "game night",
            "roleplay",
        ],
        0.02,
        leisure::dice,
    ),
    motif(
        "bird",
        &[
            "bird",
            "birdwatching",
            "birding",
            "parrot",
            "ornithology",
            "owl",
            "budgie",
            "chicken",
        ],
        0.03,
        nature::bird,
    ),
    motif(
        "headphones",
        &[
            "headphone",
            "podcast",
            "dj",
            "audio",
            "vinyl",
            "record",
            "listening",
            "radio",
            "audiobook",
            "playlist",
        ],
        0.04,
        leisure::headphones,
    ),
    generic(
        "star",
        &["star", "theater", "theatre", "acting", "drama", "astrology"],
        0.07,
        symbols::star,
    ),
    generic(
        "heart",
        &[
            "love",
            "romance",
            "kindness",
            "volunteer",
            "volunteering",
            "charity",
            "wedding",
            "anniversary",
            "friend",
            "friendship",
            "heart",
        ],
        0.08,
        symbols::heart,
    ),
    generic(
        "trophy",
        &[
            "win",
            "winning",
            "competition",
            "champion",
            "trophy",
            "award",
            "racing",
            "cars",
            "golf",
            "motorsport",
            "achievement",
        ],
        0.02,
        symbols::trophy,
    ),
    generic(
        "gift",
        &[
            "gift",
            "present",
            "shopping",
            "surprise",
            "christmas",
            "holiday",
            "lego",
            "toys",
        ],
        0.02,
        symbols::gift,
    ),
];

/// Every motif, in a fixed order.
pub fn catalogue() -> &'static [Motif] {
    CATALOGUE
}

pub fn by_name(name: &str) -> Option<&'static Motif> {
    CATALOGUE.iter().find(|m| m.name == name)
}

fn by_keyword(key: &str) -> Option<&'static Motif> {
    CATALOGUE.iter().find(|m| m.keywords.contains(&key))
}

/// The motifs that words of `text` call for, in order of first appearance, each once.
/// Two-word keys ("table tennis") win over their single words.
pub fn find_in_text(text: &str) -> Vec<&'static Motif> {
    let toks = words::tokens(text);
    let mut found: Vec<&'static Motif> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let pair = toks.get(i + 1).and_then(|next| {
            words::stems(next)
                .iter()
                .find_map(|s| by_keyword(&format!("{} {s}", toks[i])))
        });
        let (hit, used) = match pair {
            Some(m) => (Some(m), 2),
            None => (words::stems(&toks[i]).iter().find_map(|s| by_keyword(s)), 1),
        };
        if let Some(m) = hit {
            if !found.iter().any(|f| f.name == m.name) {
                found.push(m);
            }
        }
        i += used;
    }
    found
}

/// A generic motif for text the library has no keyword for, the same one every time.
pub fn generic_for(text: &str) -> &'static Motif {
    let generics: Vec<&'static Motif> = CATALOGUE.iter().filter(|m| m.generic).collect();
    let key = words::tokens(text).join(" ");
    generics[(stable_hash(&key) % generics.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&'static str> {
        find_in_text(text).iter().map(|m| m.name).collect()
    }

    #[test]
    fn library_has_at_least_24_distinct_motifs_and_unique_keywords() {
        assert!(CATALOGUE.len() >= 24);
        for (i, m) in CATALOGUE.iter().enumerate() {
            assert!(
                CATALOGUE[..i].iter().all(|o| o.name != m.name),
                "{}",
                m.name
            );
            for k in m.keywords {
                let owners: Vec<_> = CATALOGUE
                    .iter()
                    .filter(|o| o.keywords.contains(k))
                    .collect();
                assert_eq!(owners.len(), 1, "keyword {k} is claimed by {owners:?}");
            }
        }
        assert!(CATALOGUE.iter().filter(|m| m.generic).count() >= 3);
    }

    #[test]
    fn hobby_words_pick_motifs_in_order() {
        assert_eq!(
            names("Tennis, coffee"),
            vec!["racket_and_ball", "coffee_cup"]
        );
        assert_eq!(names("hiking and reading books"), vec!["mountain", "book"]);
        assert_eq!(
            names("Table tennis; board games"),
            vec!["racket_and_ball", "dice"]
        );
        assert_eq!(names("mountain biking"), vec!["bicycle"]);
        assert_eq!(
            names("knitting, puppies, baking"),
            vec!["yarn_ball", "dog", "cake"]
        );
        assert_eq!(
            names("video games and cats"),
            vec!["game_controller", "cat"]
        );
        assert!(names("zorbing quux").is_empty());
    }

    #[test]
    fn unknown_words_map_to_a_stable_generic() {
        let a = generic_for("Zorbing");
        assert!(a.generic);
        assert_eq!(a.name, generic_for("zorbing").name);
    }
}
