//! The remote backends against local HTTP servers that speak each service's wire format: what a
//! person gets for good replies, for 401, 429 with Retry-After, 500 then success, malformed JSON,
//! prose round the JSON, cut-short base64, a reply slower than the timeout, a GLB that is not a mesh,
//! content-policy refusals and a pool with a dead server. Nothing here needs the internet.

mod common;

use common::{disc_jpeg, sphere_glb};
use memoreez::domain::{Concept, Facts, Occasion, Style};
use memoreez::ideation::llm::LlmIdeator;
use memoreez::ideation::remote::{CloudflareChat, OllamaChat, OpenAiChat};
use memoreez::ideation::Ideator;
use memoreez::imagegen::remote::{CloudflareImages, OpenAiImages};
use memoreez::imagegen::ImageGenerator;
use memoreez::net::services::{Cloudflare, Ollama, OpenAi};
use memoreez::net::{b64_encode, Http, Policy, Secret};
use memoreez::shapegen::remote::{Protocol, RemotePool, RemoteShapeSettings};
use memoreez::shapegen::{ShapeGenerator, ShapeInput};
use memoreez::stage::{NoProgress, Progress, StageError};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A mock server on its own runtime; the blocking clients run on the test thread.
struct Server {
    rt: tokio::runtime::Runtime,
    mock: MockServer,
}

impl Server {
    fn start() -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let mock = rt.block_on(MockServer::start());
        Server { rt, mock }
    }

    fn mount(&self, m: Mock) {
        self.rt.block_on(m.mount(&self.mock));
    }

    fn uri(&self) -> String {
        self.mock.uri()
    }

    fn requests(&self) -> Vec<Request> {
        self.rt.block_on(self.mock.received_requests()).unwrap_or_default()
    }
}

/// Collects notes, to check what the person is told.
#[derive(Default)]
struct Notes(Mutex<Vec<String>>);

impl Progress for Notes {
    fn step(&self, _: usize, _: usize, _: &str) {}
    fn note(&self, m: &str) {
        self.0.lock().unwrap().push(m.to_string());
    }
    fn is_cancelled(&self) -> bool {
        false
    }
}

impl Notes {
    fn all(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

fn fast() -> Http {
    Http::new(Policy { retries: 2, backoff_s: 0.05, max_wait_s: 5.0, timeout_s: 5.0, ..Policy::default() }).unwrap()
}

fn facts() -> Facts {
    Facts {
        name: "Ros".into(),
        hobbies: "beekeeping, jazz saxophone".into(),
        quirk: "hums while she works".into(),
        occasion: Some(Occasion::Retirement),
    }
}

fn concepts_json() -> Value {
    json!({"concepts": [
        {"title": "Bee Keeper Bear", "style": "Whimsical", "prompt": "A round bear in a beekeeper hat holding a honey pot"},
        {"title": "Sax Hero", "style": "Heroic", "prompt": "A proud saxophonist standing on a drum"},
        {"title": "Hive Horn", "style": "Hybrid", "prompt": "A saxophone shaped like a beehive"},
        {"title": "Honey Notes", "style": "Artistic", "prompt": "Swirling honey forms rising into a note"}
    ]})
}

fn openai_reply(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "x", "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
    }))
}

fn openai(server: &Server) -> OpenAi {
    OpenAi {
        base_url: format!("{}/v1", server.uri()),
        key: Secret::new("sk-test-abcdef123"),
        chat_model: "llama-3.1-8b".into(),
        image_model: "dall-e-3".into(),
    }
}

fn cloudflare(server: &Server) -> Cloudflare {
    Cloudflare {
        base_url: format!("{}/client/v4", server.uri()),
        account_id: "acct1".into(),
        token: Secret::new("cf-token-abcdef123").unwrap(),
        text_model: "@cf/meta/llama-3.1-8b-instruct".into(),
        image_model: "@cf/black-forest-labs/flux-1-schnell".into(),
        steps: 4,
    }
}

/// Serves scripted replies in turn, repeating the last.
struct Script(Mutex<Vec<ResponseTemplate>>);

impl Respond for Script {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        if s.len() > 1 {
            s.remove(0)
        } else {
            s[0].clone()
        }
    }
}

fn script(replies: Vec<ResponseTemplate>) -> Script {
    Script(Mutex::new(replies))
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn cloudflare_ideas_with_a_schema_arrive_as_an_object() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST"))
            .and(path("/client/v4/accounts/acct1/ai/run/@cf/meta/llama-3.1-8b-instruct"))
            .and(header("authorization", "Bearer cf-token-abcdef123"))
            .and(body_partial_json(json!({"response_format": {"type": "json_schema"}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "result": {"response": concepts_json(), "usage": {"prompt_tokens": 300}},
                "success": true, "errors": [], "messages": []
            }))),
    );
    let ideator = LlmIdeator::new(CloudflareChat { http: fast(), cf: cloudflare(&server) }, "cloudflare");
    let cs = ideator.concepts(&facts(), 7, &NoProgress).unwrap();
    assert_eq!(
        cs.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(),
        ["Bee Keeper Bear", "Sax Hero", "Hive Horn", "Honey Notes"]
    );
    assert!(cs.iter().all(|c| c.prompt.contains("pure white background")));
    let sent = body(&server.requests()[0]);
    assert!(sent["max_tokens"].as_u64().unwrap() >= 1000, "the default of 256 cuts four concepts off");
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("hums while she works") && user.contains("retirement"), "{user}");
    assert!(sent["response_format"]["json_schema"]["properties"]["concepts"].is_object());
}

#[test]
fn a_refused_key_says_which_variable_to_check_and_never_shows_the_key() {
    let server = Server::start();
    server.mount(Mock::given(method("POST")).respond_with(ResponseTemplate::new(401).set_body_json(json!({
        "result": null, "success": false,
        "errors": [{"code": 10000, "message": "Authentication error for cf-token-abcdef123"}]
    }))));
    let ideator = LlmIdeator::new(CloudflareChat { http: fast(), cf: cloudflare(&server) }, "cloudflare");
    let err = ideator.concepts(&facts(), 1, &NoProgress).unwrap_err().to_string();
    assert!(
        err.starts_with("401 from Cloudflare Workers AI: the key was refused: check CLOUDFLARE_API_TOKEN"),
        "{err}"
    );
    assert!(!err.contains("cf-token-abcdef123"), "{err}");
    assert_eq!(server.requests().len(), 1, "a refused key is not retried");
}

#[test]
fn rate_limits_wait_as_asked_and_server_errors_are_retried() {
    let server = Server::start();
    let content = concepts_json().to_string();
    server.mount(Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(script(vec![
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "slow down"}})),
            ResponseTemplate::new(500).set_body_string("upstream hiccup"),
            openai_reply(&content),
        ])));
    let notes = Notes::default();
    let started = std::time::Instant::now();
    let cs = LlmIdeator::new(OpenAiChat::new(fast(), openai(&server)), "openai").concepts(&facts(), 1, &notes).unwrap();
    assert_eq!(cs.len(), 4);
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After: 1 was not honoured");
    let told = notes.all();
    assert!(told.contains("answered 429; trying again in 1.0 s") && told.contains("answered 500"), "{told}");
    let r = server.requests();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].headers.get("authorization").unwrap(), "Bearer sk-test-abcdef123");
    assert_eq!(body(&r[0])["response_format"]["type"], "json_schema");
}

#[test]
fn a_server_asking_to_wait_too_long_fails_with_when_to_come_back() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600")),
    );
    let err = LlmIdeator::new(OpenAiChat::new(fast(), openai(&server)), "openai")
        .concepts(&facts(), 1, &NoProgress)
        .unwrap_err();
    assert!(err.to_string().contains("asks to wait 3600 s"), "{err}");
}

#[test]
fn prose_and_fences_are_repaired_and_a_short_list_is_asked_again_with_the_error() {
    let server = Server::start();
    let three = json!({"concepts": concepts_json()["concepts"].as_array().unwrap()[..3]}).to_string();
    let chatty = format!("Here are your concepts!\n```json\n{}\n```\nHope you like them.", concepts_json());
    server.mount(Mock::given(method("POST")).respond_with(script(vec![openai_reply(&three), openai_reply(&chatty)])));
    let notes = Notes::default();
    let cs = LlmIdeator::new(OpenAiChat::new(fast(), openai(&server)), "openai").concepts(&facts(), 1, &notes).unwrap();
    assert_eq!(cs[1].title, "Sax Hero");
    let r = server.requests();
    assert_eq!(r.len(), 2);
    let retry = body(&r[1]);
    let messages = retry["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "the model sees its reply and what was wrong with it");
    assert!(messages[3]["content"].as_str().unwrap().contains("3 usable concept(s)"), "{}", messages[3]);
    assert!(notes.all().contains("could not be used"));
}

#[test]
fn replies_that_never_parse_fall_back_to_the_templates_with_a_note() {
    let server = Server::start();
    server.mount(Mock::given(method("POST")).respond_with(openai_reply("{\"concepts\": [{\"title\": \"Bee")));
    let notes = Notes::default();
    let cs = LlmIdeator::new(OpenAiChat::new(fast(), openai(&server)), "openai").concepts(&facts(), 1, &notes).unwrap();
    assert_eq!(cs.len(), 4);
    assert_eq!(server.requests().len(), 3, "one try and two more");
    let told = notes.all();
    assert!(told.contains("gave no usable concepts after 3 tries") && told.contains("offline templates"), "{told}");
    // The templates' own concepts: the same as the offline writer gives.
    let offline = memoreez::ideation::templates::TemplateIdeator.concepts(&facts(), 1, &NoProgress).unwrap();
    assert_eq!(cs, offline);
}

#[test]
fn a_server_without_json_schema_is_asked_for_a_json_object() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST"))
            .and(body_partial_json(json!({"response_format": {"type": "json_schema"}})))
            .respond_with(
                ResponseTemplate::new(400)
                    .set_body_json(json!({"error": {"message": "response_format json_schema is not supported"}})),
            ),
    );
    server.mount(
        Mock::given(method("POST"))
            .and(body_partial_json(json!({"response_format": {"type": "json_object"}})))
            .respond_with(openai_reply(&concepts_json().to_string())),
    );
    let chat = LlmIdeator::new(OpenAiChat::new(fast(), openai(&server)), "openai");
    assert_eq!(chat.concepts(&facts(), 1, &NoProgress).unwrap().len(), 4);
    assert_eq!(chat.concepts(&facts(), 2, &NoProgress).unwrap().len(), 4);
    assert_eq!(server.requests().len(), 3, "the second run asks for a JSON object straight away");
}

#[test]
fn ollama_gets_the_schema_as_format_and_the_seed_in_options() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST"))
            .and(path("/api/chat"))
            .and(body_partial_json(json!({"stream": false, "model": "llama3.1:8b", "options": {"seed": 42}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "model": "llama3.1:8b", "message": {"role": "assistant", "content": concepts_json().to_string()}, "done": true
            }))),
    );
    let api = Ollama { host: server.uri(), model: "llama3.1:8b".into() };
    let cs = LlmIdeator::new(OllamaChat { http: fast(), api }, "ollama").concepts(&facts(), 42, &NoProgress).unwrap();
    assert_eq!(cs[3].title, "Honey Notes");
    assert!(body(&server.requests()[0])["format"]["properties"]["concepts"].is_object());
}

#[test]
fn an_ollama_model_not_pulled_says_how_to_pull_it() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST")).respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": "model \"llama3.1:8b\" not found, try pulling it first"})),
        ),
    );
    let api = Ollama { host: server.uri(), model: "llama3.1:8b".into() };
    let err =
        LlmIdeator::new(OllamaChat { http: fast(), api }, "ollama").concepts(&facts(), 1, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("ollama pull llama3.1:8b"), "{err}");
}

#[test]
fn a_reply_slower_than_the_timeout_fails_saying_so() {
    let server = Server::start();
    server.mount(Mock::given(method("POST")).respond_with(openai_reply("{}").set_delay(Duration::from_secs(3))));
    let http = Http::new(Policy { retries: 0, timeout_s: 0.5, ..Policy::default() }).unwrap();
    let started = std::time::Instant::now();
    let err = LlmIdeator::new(OpenAiChat::new(http, openai(&server)), "openai")
        .concepts(&facts(), 1, &NoProgress)
        .unwrap_err();
    assert!(err.to_string().contains("did not answer within 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn an_unreachable_service_names_the_address_to_check() {
    let api = OpenAi { base_url: "http://127.0.0.1:9".into(), ..openai(&Server::start()) };
    let http = Http::new(Policy { retries: 1, backoff_s: 0.01, ..Policy::default() }).unwrap();
    let err = LlmIdeator::new(OpenAiChat::new(http, api), "openai")
        .concepts(&facts(), 1, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot reach") && err.contains("127.0.0.1:9") && err.contains("OPENAI_BASE_URL"), "{err}");
}

#[test]
fn cancelling_stops_a_request_at_once() {
    struct Cancelled;
    impl Progress for Cancelled {
        fn step(&self, _: usize, _: usize, _: &str) {}
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            true
        }
    }
    let server = Server::start();
    server.mount(Mock::given(method("POST")).respond_with(openai_reply("{}").set_delay(Duration::from_secs(5))));
    let started = std::time::Instant::now();
    let err = LlmIdeator::new(OpenAiChat::new(fast(), openai(&server)), "openai")
        .concepts(&facts(), 1, &Cancelled)
        .unwrap_err();
    assert!(matches!(err, StageError::Cancelled), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn concept() -> Concept {
    Concept { title: "Sax Hero".into(), style: Style::Heroic, prompt: "A proud saxophonist".into() }
}

#[test]
fn flux_pictures_arrive_as_base64_jpeg_and_are_brought_to_the_gallery_size() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST"))
            .and(path("/client/v4/accounts/acct1/ai/run/@cf/black-forest-labs/flux-1-schnell"))
            .and(body_partial_json(json!({"steps": 4, "seed": 99})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "result": {"image": b64_encode(&disc_jpeg(1024, 1.0))}, "success": true, "errors": [], "messages": []
            }))),
    );
    let images = CloudflareImages { http: fast(), cf: cloudflare(&server) };
    let img = images.generate(&concept(), 99, &NoProgress).unwrap();
    assert_eq!(img.dimensions(), (memoreez::imagegen::IMAGE_SIZE, memoreez::imagegen::IMAGE_SIZE));
    assert!(img.get_pixel(256, 256)[0] < 160 && img.get_pixel(5, 5)[0] > 240);
    let prompt = body(&server.requests()[0])["prompt"].as_str().unwrap().to_string();
    assert!(
        prompt.starts_with("A proud saxophonist. One solid, monolithic object") && prompt.len() <= 2048,
        "{prompt}"
    );
}

#[test]
fn a_cut_short_picture_and_a_refusal_are_told_apart() {
    let server = Server::start();
    let whole = b64_encode(&disc_jpeg(256, 1.0));
    server.mount(
        Mock::given(method("POST")).and(body_partial_json(json!({"seed": 1}))).respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"result": {"image": &whole[..whole.len() / 3]}, "success": true})),
        ),
    );
    server.mount(
        Mock::given(method("POST")).and(body_partial_json(json!({"seed": 2}))).respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"success": false, "errors": [{"code": 3030, "message": "Input flagged as NSFW"}]}),
            ),
        ),
    );
    let images = CloudflareImages { http: fast(), cf: cloudflare(&server) };
    let cut = images.generate(&concept(), 1, &NoProgress).unwrap_err().to_string();
    assert!(cut.contains("cannot be used") && (cut.contains("cut short") || cut.contains("damaged")), "{cut}");
    let refused = images.generate(&concept(), 2, &NoProgress).unwrap_err().to_string();
    assert!(refused.contains("refused the request: Input flagged as NSFW") && refused.contains("press r"), "{refused}");
}

#[test]
fn openai_images_ask_for_b64_json_except_gpt_image_models() {
    let server = Server::start();
    let reply = ResponseTemplate::new(200)
        .set_body_json(json!({"created": 1, "data": [{"b64_json": b64_encode(&disc_jpeg(512, 1.0))}]}));
    server.mount(Mock::given(method("POST")).and(path("/v1/images/generations")).respond_with(reply));
    let dalle = OpenAiImages { http: fast(), api: openai(&server) };
    dalle.generate(&concept(), 1, &NoProgress).unwrap();
    let gpt = OpenAiImages { http: fast(), api: OpenAi { image_model: "gpt-image-1".into(), ..openai(&server) } };
    gpt.generate(&concept(), 1, &NoProgress).unwrap();
    let r = server.requests();
    assert_eq!(body(&r[0])["response_format"], "b64_json");
    assert!(body(&r[1]).get("response_format").is_none());
}

fn pool(servers: Vec<String>, settings: RemoteShapeSettings) -> RemotePool {
    RemotePool::new(fast(), servers, None, settings)
}

fn quick() -> RemoteShapeSettings {
    RemoteShapeSettings { poll_s: 0.05, deadline_s: 5, ..RemoteShapeSettings::default() }
}

fn cutout() -> image::RgbaImage {
    image::RgbaImage::from_fn(64, 64, |x, y| {
        let inside = (x as i32 - 32).pow(2) + (y as i32 - 32).pow(2) < 400;
        image::Rgba([128, 128, 128, if inside { 255 } else { 0 }])
    })
}

#[test]
fn the_pool_skips_a_dead_server_and_polls_the_live_one_until_completed() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST"))
            .and(path("/send"))
            .and(body_partial_json(json!({"type": "glb", "num_inference_steps": 5, "octree_resolution": 256})))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"uid": "2f6c5d1e-aaaa-bbbb-cccc-123456789abc"})),
            ),
    );
    server.mount(Mock::given(method("GET")).and(path("/status/2f6c5d1e-aaaa-bbbb-cccc-123456789abc")).respond_with(
        script(vec![
                ResponseTemplate::new(200).set_body_json(json!({"status": "processing"})),
                ResponseTemplate::new(200).set_body_json(json!({"status": "processing"})),
                ResponseTemplate::new(200)
                    .set_body_json(json!({"status": "completed", "model_base64": b64_encode(&sphere_glb(24))})),
            ]),
    ));
    let notes = Notes::default();
    let p = pool(vec!["http://127.0.0.1:9".into(), server.uri()], quick());
    let img = cutout();
    let mesh = p.generate(&ShapeInput { cutout: &img, concept: None, seed: 5 }, &notes).unwrap();
    let (lo, hi) = mesh.bounds().unwrap();
    assert!((hi[0] - 0.8).abs() < 0.05 && (lo[1] + 0.8).abs() < 0.05, "{lo:?} {hi:?}");
    let told = notes.all();
    assert!(told.contains("cannot reach") && told.contains("trying the next server"), "{told}");
    assert!(told.contains(&format!("{} made", server.uri())), "{told}");
    let sent = body(&server.requests()[0]);
    let png = memoreez::net::b64_decode(sent["image"].as_str().unwrap()).unwrap();
    assert_eq!(
        image::load_from_memory(&png).unwrap().to_rgba8(),
        img,
        "the cut-out goes as a lossless PNG with its alpha"
    );
    assert_eq!(sent["seed"], 5);
}

#[test]
fn the_generate_protocol_returns_the_file_and_official_errors_read_well() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST")).and(path("/generate")).and(body_partial_json(json!({"seed": 1}))).respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/octet-stream")
                .set_body_bytes(sphere_glb(24)),
        ),
    );
    server.mount(
        Mock::given(method("POST"))
            .and(path("/generate"))
            .and(body_partial_json(json!({"seed": 2})))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"text": "NETWORK ERROR DUE TO HIGH TRAFFIC. PLEASE REGENERATE OR REFRESH THIS PAGE.", "error_code": 1}))),
    );
    server.mount(
        Mock::given(method("POST"))
            .and(path("/generate"))
            .and(body_partial_json(json!({"seed": 3})))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(b"glTF\x02\x00\x00\x00garbage".to_vec())),
    );
    let p = pool(vec![server.uri()], RemoteShapeSettings { protocol: Protocol::Generate, ..quick() });
    let img = cutout();
    let input = |seed| ShapeInput { cutout: &img, concept: None, seed };
    assert!(p.generate(&input(1), &NoProgress).unwrap().triangles.len() > 500);
    let err = p.generate(&input(2), &NoProgress).unwrap_err().to_string();
    assert!(err.contains("404 from the Hunyuan3D server") && err.contains("HIGH TRAFFIC"), "{err}");
    let err = p.generate(&input(3), &NoProgress).unwrap_err().to_string();
    assert!(err.contains("its mesh cannot be read"), "{err}");
}

#[test]
fn a_job_stuck_processing_runs_into_the_deadline_and_the_server_is_set_aside() {
    let server = Server::start();
    server.mount(
        Mock::given(method("POST"))
            .and(path("/send"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"uid": "abc"}))),
    );
    server.mount(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "processing"}))),
    );
    let p = pool(vec![server.uri()], RemoteShapeSettings { deadline_s: 1, ..quick() });
    let img = cutout();
    let input = ShapeInput { cutout: &img, concept: None, seed: 1 };
    let err = p.generate(&input, &NoProgress).unwrap_err().to_string();
    assert!(err.contains("did not answer within 1 s"), "{err}");
    let before = server.requests().len();
    let err = p.generate(&input, &NoProgress).unwrap_err().to_string();
    assert!(err.contains("set aside"), "{err}");
    assert_eq!(server.requests().len(), before, "a server set aside gets no jobs for a while");
}
