//! Ideation by a language model, whatever serves it: the prompt (printability first, the original's
//! key learning), the JSON schema asked for, the reading and repair of what comes back, retries that
//! feed the error back, and the template writer as the last resort, said so to the person.

use super::templates::TemplateIdeator;
use super::Ideator;
use crate::domain::{Concept, Facts, Style};
use crate::net::{clean, NetError, Service};
use crate::stage::{BackendKind, Progress, StageError};
use serde_json::{json, Value};

/// Asks before giving up on a model: the first try and two more with the error fed back.
pub const ATTEMPTS: usize = 3;

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

/// Why a chat turn gave no reply.
#[derive(Debug)]
pub enum ChatError {
    /// The model or service answered with something unusable: worth asking again.
    Unusable(String),
    /// Something the person must fix, or a cancel: the stage stops with it.
    Stop(StageError),
}

impl From<NetError> for ChatError {
    fn from(e: NetError) -> Self {
        match e {
            NetError::BadReply { detail, .. } => ChatError::Unusable(detail),
            other => ChatError::Stop(other.into()),
        }
    }
}

/// A chat model, remote or local. `complete` returns the reply as text, or as a JSON value where
/// the service already parsed it (Cloudflare's `json_schema` mode).
pub trait Chat: Send + Sync {
    fn service(&self) -> Service;
    fn model(&self) -> &str;
    fn kind(&self) -> BackendKind;
    fn complete(
        &self,
        messages: &[Message],
        schema: &Value,
        seed: u64,
        progress: &dyn Progress,
    ) -> Result<Value, ChatError>;
}

/// The schema of a reply: four concepts with a title, a style and an image prompt.
pub fn schema() -> Value {
    let styles: Vec<&str> = Style::ALL.iter().map(|s| s.label()).collect();
    json!({
        "type": "object",
        "properties": {
            "concepts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "style": {"type": "string", "enum": styles},
                        "prompt": {"type": "string"}
                    },
                    "required": ["title", "style", "prompt"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["concepts"],
        "additionalProperties": false
    })
}

pub const SYSTEM_PROMPT: &str = "You design small 3D-printed keepsake figurines, about 8 cm tall, given as a \
personal gift. From the facts about a person, write exactly four concepts, one in each style:
- Whimsical: playful and cute, chunky cartoon proportions.
- Heroic: proud and triumphant, a trophy-like pose.
- Hybrid: two of the hobbies merged into one inventive object or character.
- Artistic: stylised and sculptural, smooth flowing forms.
Each concept is ONE solid, monolithic object or character that clearly shows the person's hobbies, and their \
quirk where it fits; never a scene, never several loose objects. It must print well: a broad flat base, thick \
chunky parts, nothing thin, pointed or floating, no text or lettering, nothing overhanging more than 45 degrees.
Reply with JSON only, no prose and no code fences, exactly in this form:
{\"concepts\": [{\"title\": \"2 to 5 words\", \"style\": \"Whimsical\", \"prompt\": \"one or two sentences \
describing the figurine's shape, pose and details for an image model\"}, ...]}
with four items whose styles are Whimsical, Heroic, Hybrid and Artistic.";

/// The facts as the model reads them; text is cleaned of control characters and kept short.
pub fn facts_message(facts: &Facts) -> String {
    let mut lines = vec![
        format!("Name or relation: {}", clean(&facts.name, 60)),
        format!("Hobbies: {}", clean(&facts.hobbies, 300)),
    ];
    if !facts.quirk.trim().is_empty() {
        lines.push(format!("A quirk to weave in: {}", clean(&facts.quirk, 200)));
    }
    if let Some(o) = facts.occasion {
        lines.push(format!("Occasion: {o}"));
    }
    lines.push("Write the four concepts now.".into());
    lines.join("\n")
}

/// Reads four concepts out of a model's reply, repairing what can be repaired: prose or code fences
/// round the JSON, a bare array, other key names, missing or repeated styles, a fifth item. What
/// cannot be repaired (not JSON, fewer than four usable items) is an error worded for the model.
pub fn read_concepts(reply: &Value) -> Result<Vec<Concept>, String> {
    let value = match reply {
        Value::String(text) => extract_json(text)?,
        other => other.clone(),
    };
    let items = find_items(&value).ok_or("the JSON has no list of concepts under \"concepts\"")?;
    let mut problems = Vec::new();
    let mut usable: Vec<(Option<Style>, String, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match read_item(item) {
            Ok(c) => usable.push(c),
            Err(why) => problems.push(format!("item {}: {why}", i + 1)),
        }
    }
    if usable.len() < 4 {
        let mut msg = format!("it has {} usable concept(s); exactly four are needed", usable.len());
        if !problems.is_empty() {
            msg.push_str(&format!(" ({})", problems.join("; ")));
        }
        return Err(msg);
    }
    Ok(assign_styles(usable))
}

/// The first JSON object or array in `text`, ignoring fences and prose before or after it.
fn extract_json(text: &str) -> Result<Value, String> {
    let starts = text.char_indices().filter(|(_, c)| *c == '{' || *c == '[').map(|(i, _)| i).take(8);
    let mut last_err = None;
    for start in starts {
        let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v @ (Value::Object(_) | Value::Array(_)))) => return Ok(v),
            Some(Err(e)) => last_err = Some(e.to_string()),
            _ => {}
        }
    }
    Err(match last_err {
        Some(e) => format!("the JSON is not valid ({e})"),
        None => "there is no JSON in it".into(),
    })
}

fn find_items(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Array(items) => Some(items),
        Value::Object(map) => map
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case("concepts") && v.is_array())
            .or_else(|| map.iter().find(|(_, v)| v.is_array()))
            .and_then(|(_, v)| v.as_array()),
        _ => None,
    }
}

fn field<'a>(item: &'a serde_json::Map<String, Value>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| item.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).and_then(|(_, v)| v.as_str()))
}

fn read_item(item: &Value) -> Result<(Option<Style>, String, String), String> {
    let obj = item.as_object().ok_or("not an object")?;
    let title = clean(field(obj, &["title", "name"]).unwrap_or_default(), 60);
    let prompt = clean(field(obj, &["prompt", "image_prompt", "description"]).unwrap_or_default(), 900);
    let style = field(obj, &["style", "type", "category"]).and_then(Style::parse);
    match (title.is_empty(), prompt.is_empty()) {
        (true, _) => Err("no title".into()),
        (_, true) => Err("no prompt".into()),
        _ => Ok((style, title, prompt)),
    }
}

/// One concept per style: each item keeps its own style where that is still free, the others take
/// the styles left in order; extra items are dropped. The result is in the gallery's style order.
fn assign_styles(items: Vec<(Option<Style>, String, String)>) -> Vec<Concept> {
    let mut taken: Vec<Option<(String, String)>> = vec![None; 4];
    let mut rest = Vec::new();
    for (style, title, prompt) in items {
        match style.and_then(|s| Style::ALL.iter().position(|x| *x == s)) {
            Some(i) if taken[i].is_none() => taken[i] = Some((title, prompt)),
            _ => rest.push((title, prompt)),
        }
    }
    let mut rest = rest.into_iter();
    Style::ALL
        .iter()
        .zip(taken)
        .filter_map(|(&style, slot)| {
            let (title, prompt) = slot.or_else(|| rest.next())?;
            Some(Concept { title, style, prompt: crate::domain::with_printability(&prompt) })
        })
        .collect()
}

/// An [`Ideator`] over any [`Chat`].
pub struct LlmIdeator<C: Chat> {
    chat: C,
    name: &'static str,
}

impl<C: Chat> LlmIdeator<C> {
    pub fn new(chat: C, name: &'static str) -> Self {
        LlmIdeator { chat, name }
    }

    fn fall_back(
        &self,
        facts: &Facts,
        seed: u64,
        why: &str,
        progress: &dyn Progress,
    ) -> Result<Vec<Concept>, StageError> {
        progress.note(&format!(
            "{} gave no usable concepts after {ATTEMPTS} tries ({why}); these four come from the offline \
             templates instead. Press R in the gallery to ask the model again.",
            self.chat.service().name
        ));
        TemplateIdeator.concepts(facts, seed, progress)
    }
}

impl<C: Chat> Ideator for LlmIdeator<C> {
    fn kind(&self) -> BackendKind {
        self.chat.kind()
    }

    fn name(&self) -> &str {
        self.name
    }

    fn model(&self) -> Option<String> {
        Some(self.chat.model().to_string())
    }

    fn concepts(&self, facts: &Facts, seed: u64, progress: &dyn Progress) -> Result<Vec<Concept>, StageError> {
        facts.validate().map_err(|e| StageError::BadInput(e.to_string()))?;
        let schema = schema();
        let mut messages = vec![
            Message { role: "system", content: SYSTEM_PROMPT.into() },
            Message { role: "user", content: facts_message(facts) },
        ];
        let mut why = String::new();
        for attempt in 0..ATTEMPTS {
            progress.step(attempt, ATTEMPTS, &format!("asking {} ({})", self.chat.service().name, self.chat.model()));
            let reply = match self.chat.complete(&messages, &schema, seed.wrapping_add(attempt as u64), progress) {
                Ok(reply) => reply,
                // A reply the service itself could not form counts as an unusable reply; anything the
                // person must fix (a key, an address) stops here with its message.
                Err(ChatError::Unusable(detail)) => {
                    why = detail;
                    continue;
                }
                Err(ChatError::Stop(e)) => return Err(e),
            };
            match read_concepts(&reply) {
                Ok(concepts) => {
                    progress.step(ATTEMPTS, ATTEMPTS, "four concepts written");
                    return Ok(concepts);
                }
                Err(e) => {
                    progress.note(&format!("the reply could not be used ({e}); asking again"));
                    let text = match &reply {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    messages.push(Message { role: "assistant", content: text.chars().take(6000).collect() });
                    messages.push(Message {
                        role: "user",
                        content: format!(
                            "That reply could not be used: {e}. Reply again with only the JSON object holding \
                             exactly four concepts, one per style (Whimsical, Heroic, Hybrid, Artistic)."
                        ),
                    });
                    why = e;
                }
            }
        }
        self.fall_back(facts, seed, &why, progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PRINTABILITY_SUFFIX;

    fn four() -> Value {
        json!({"concepts": [
            {"title": "Bee Keeper Bear", "style": "Whimsical", "prompt": "A round bear in a beekeeper hat."},
            {"title": "Sax Hero", "style": "Heroic", "prompt": "A proud saxophonist on a drum"},
            {"title": "Hive Horn", "style": "Hybrid", "prompt": "A saxophone shaped like a beehive"},
            {"title": "Flowing Notes", "style": "Artistic", "prompt": "Swirling honey forms"}
        ]})
    }

    #[test]
    fn a_clean_reply_reads_with_the_suffix_added() {
        let cs = read_concepts(&four()).unwrap();
        assert_eq!(cs.iter().map(|c| c.style).collect::<Vec<_>>(), Style::ALL.to_vec());
        assert_eq!(cs[0].prompt, format!("A round bear in a beekeeper hat. {PRINTABILITY_SUFFIX}"));
        assert_eq!(cs[1].title, "Sax Hero");
    }

    #[test]
    fn prose_fences_other_keys_and_repeated_styles_are_repaired() {
        let text = format!("Sure! Here you go:\n```json\n{}\n```\nEnjoy!", four());
        assert_eq!(read_concepts(&Value::String(text)).unwrap().len(), 4);
        let bare = json!([
            {"name": "A", "type": "heroic", "description": "a"},
            {"title": "B", "style": "Heroic", "prompt": "b"},
            {"title": "C", "style": "Cubist", "prompt": "c"},
            {"title": "D", "prompt": "d"},
            {"title": "E", "style": "Artistic", "prompt": "e"}
        ]);
        let cs = read_concepts(&bare).unwrap();
        let got: Vec<(Style, &str)> = cs.iter().map(|c| (c.style, c.title.as_str())).collect();
        assert_eq!(
            got,
            vec![(Style::Whimsical, "B"), (Style::Heroic, "A"), (Style::Hybrid, "C"), (Style::Artistic, "E")]
        );
    }

    #[test]
    fn what_cannot_be_repaired_is_said_for_the_model() {
        let three = json!({"concepts": [four()["concepts"][0], four()["concepts"][1], {"title": "x"}]});
        let err = read_concepts(&three).unwrap_err();
        assert!(err.contains("2 usable") && err.contains("item 3: no prompt"), "{err}");
        assert!(read_concepts(&json!("I cannot help with that")).unwrap_err().contains("no JSON"));
        let cut = r#"{"concepts": [{"title": "A", "style": "Whimsical", "prompt": "a round"#;
        assert!(read_concepts(&json!(cut)).unwrap_err().contains("not valid"));
    }

    #[test]
    fn the_quirk_and_occasion_reach_the_prompt_cleaned() {
        let facts = Facts {
            name: "Ros\u{1b}[2J".into(),
            hobbies: "beekeeping, jazz saxophone".into(),
            quirk: "hums while she works".into(),
            occasion: Some(crate::domain::Occasion::Retirement),
        };
        let m = facts_message(&facts);
        assert!(m.contains("hums while she works") && m.contains("retirement") && m.contains("jazz saxophone"));
        assert!(!m.contains('\u{1b}'));
    }
}
