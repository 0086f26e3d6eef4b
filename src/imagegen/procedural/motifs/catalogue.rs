//! The library's entries: each motif's name, the words that call for it, and how it stands.

use super::{home, leisure, nature, sport, symbols, Motif, Variation};
use crate::imagegen::procedural::sdf::Node;

const fn motif(
    name: &'static str,
    footing: f32,
    build: fn(&Variation) -> Node,
    keywords: &'static [&'static str],
) -> Motif {
    Motif { name, keywords, footing, generic: false, build }
}

/// A motif that also stands in for words the library does not know.
const fn generic(
    name: &'static str,
    footing: f32,
    build: fn(&Variation) -> Node,
    keywords: &'static [&'static str],
) -> Motif {
    Motif { generic: true, ..motif(name, footing, build, keywords) }
}

/// Keywords are base forms (plurals and -ing forms are reduced before lookup); a keyword belongs
/// to one motif only.
#[rustfmt::skip]
pub(super) static CATALOGUE: &[Motif] = &[
    motif("racket_and_ball", 0.03, sport::racket_and_ball, &[
        "tennis", "racket", "racquet", "squash", "badminton", "padel", "pickleball",
        "table tennis", "ping pong", "shuttlecock",
    ]),
    motif("coffee_cup", 0.02, home::coffee_cup, &[
        "coffee", "espresso", "tea", "latte", "cappuccino", "cafe", "café", "barista", "mug",
        "cup", "wine", "beer", "brew", "cocktail", "chai",
    ]),
    motif("mountain", 0.02, nature::mountain, &[
        "hike", "hiking", "climb", "mountain", "ski", "snowboard", "trek", "mountaineer",
        "mountaineering", "alpine", "boulder", "bouldering", "rock climb", "travel", "adventure",
        "explore", "trail", "backpack", "backpacking",
    ]),
    motif("book", 0.02, leisure::book, &[
        "read", "book", "write", "poetry", "poem", "literature", "novel", "library", "author",
        "journal", "study", "history", "language", "crossword", "bookworm", "poet", "blog",
        "storytelling",
    ]),
    motif("guitar", 0.06, leisure::guitar, &[
        "guitar", "bass", "ukulele", "rock", "banjo", "band", "strum", "folk", "heavy metal",
    ]),
    motif("camera", 0.02, leisure::camera, &[
        "photography", "photo", "camera", "photograph", "film", "filmmaking", "video", "movie",
        "cinema", "vlog", "vlogging", "youtube", "selfie",
    ]),
    motif("cat", 0.02, nature::cat, &[
        "cat", "kitten", "kitty", "feline", "meow",
    ]),
    motif("dog", 0.02, nature::dog, &[
        "dog", "puppy", "pup", "canine", "doggo", "pet", "animal",
    ]),
    motif("bicycle", 0.04, sport::bicycle, &[
        "cycle", "cycling", "bike", "bicycle", "biking", "mountain bike", "triathlon", "bmx",
        "cyclist", "velo",
    ]),
    motif("football", 0.1, sport::football, &[
        "football", "soccer", "futsal", "basketball", "volleyball", "rugby", "ball", "handball",
        "netball", "baseball", "sport", "goal",
    ]),
    motif("chess_knight", 0.02, leisure::chess_knight, &[
        "chess", "checkers", "draughts", "strategy", "puzzle", "horse", "riding", "equestrian",
        "pony", "knight",
    ]),
    motif("paint_palette", 0.03, leisure::paint_palette, &[
        "paint", "painting", "art", "draw", "drawing", "sketch", "sketching", "watercolor",
        "watercolour", "illustration", "artist", "painter", "calligraphy", "pottery", "ceramics",
        "sculpt",
    ]),
    motif("game_controller", 0.04, leisure::game_controller, &[
        "gaming", "game", "video game", "gamer", "playstation", "xbox", "nintendo", "esport",
        "e sport", "console", "minecraft", "fortnite", "arcade",
    ]),
    motif("potted_plant", 0.02, nature::potted_plant, &[
        "garden", "gardening", "plant", "flower", "houseplant", "succulent", "botany", "orchid",
        "rose", "cactus", "bonsai", "horticulture",
    ]),
    motif("fishing_rod", 0.03, sport::fishing_rod, &[
        "fish", "fishing", "angling", "angler", "fly fishing", "fisherman", "carp", "trout",
    ]),
    motif("running_shoe", 0.02, sport::running_shoe, &[
        "run", "running", "jog", "jogging", "marathon", "sneaker", "athletics", "track", "walk",
        "walking", "runner", "parkrun", "trail run", "shoe", "sprint",
    ]),
    motif("music_note", 0.0, symbols::music_note, &[
        "music", "sing", "singing", "choir", "piano", "concert", "opera", "song", "karaoke",
        "dance", "dancing", "jazz", "violin", "drum", "orchestra", "musician", "compose", "ballet",
        "musical", "melody",
    ]),
    motif("rocket", 0.02, symbols::rocket, &[
        "space", "astronomy", "rocket", "science", "physics", "engineering", "scifi", "sci fi",
        "star war", "nasa", "coding", "programming", "computer", "technology", "tech", "aviation",
        "flying", "plane", "stargazing", "astronaut",
    ]),
    motif("tree", 0.02, nature::tree, &[
        "nature", "tree", "forest", "wood", "camp", "camping", "outdoor", "outdoors",
        "environment", "woodworking", "carpentry", "yoga", "meditation", "park",
    ]),
    motif("house", 0.02, home::house, &[
        "home", "house", "diy", "architecture", "interior", "decorating", "building", "renovation",
        "real estate", "homemaking",
    ]),
    motif("cake", 0.02, home::cake, &[
        "bake", "baking", "cake", "dessert", "pastry", "cupcake", "sweets", "chocolate",
        "birthday", "party", "celebration", "candy", "baker",
    ]),
    motif("anchor", 0.015, symbols::anchor, &[
        "sail", "sailing", "boat", "boating", "navy", "sea", "ocean", "cruise", "kayak",
        "kayaking", "row", "rowing", "beach", "sailor", "maritime", "swim", "swimming", "surf",
        "surfing", "dive", "diving", "scuba", "canoe", "canoeing", "nautical",
    ]),
    motif("chef_hat", 0.02, home::chef_hat, &[
        "cook", "cooking", "chef", "cuisine", "food", "kitchen", "grill", "grilling", "bbq",
        "barbecue", "foodie", "recipe",
    ]),
    motif("dumbbell", 0.03, sport::dumbbell, &[
        "fitness", "gym", "weight", "lifting", "weightlifting", "bodybuilding", "crossfit",
        "workout", "exercise", "training", "powerlifting", "strength", "martial art", "karate",
        "judo", "boxing",
    ]),
    motif("yarn_ball", 0.06, leisure::yarn_ball, &[
        "knit", "knitting", "crochet", "sew", "sewing", "yarn", "quilt", "quilting", "embroidery",
        "weaving", "craft", "crafting", "wool",
    ]),
    motif("dice", 0.02, leisure::dice, &[
        "board game", "dice", "tabletop", "dnd", "dungeon", "poker", "card", "casino", "gambling",
        "backgammon", "monopoly", "games night", "game night", "roleplay",
    ]),
    motif("bird", 0.03, nature::bird, &[
        "bird", "birdwatching", "birding", "parrot", "ornithology", "owl", "budgie", "chicken",
    ]),
    motif("headphones", 0.04, leisure::headphones, &[
        "headphone", "podcast", "dj", "audio", "vinyl", "record", "listening", "radio",
        "audiobook", "playlist",
    ]),
    generic("star", 0.07, symbols::star, &[
        "star", "theater", "theatre", "acting", "drama", "astrology",
    ]),
    generic("heart", 0.08, symbols::heart, &[
        "love", "romance", "kindness", "volunteer", "volunteering", "charity", "wedding",
        "anniversary", "friend", "friendship", "heart",
    ]),
    generic("trophy", 0.02, symbols::trophy, &[
        "win", "winning", "competition", "champion", "trophy", "award", "racing", "cars", "golf",
        "motorsport", "achievement",
    ]),
    generic("gift", 0.02, symbols::gift, &[
        "gift", "present", "shopping", "surprise", "christmas", "holiday", "lego", "toys",
    ]),
];
