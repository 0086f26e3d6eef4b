//! The conversation as the model was trained to read it: the GGUF's own `tokenizer.chat_template`
//! (a Jinja template, as Hugging Face writes them) rendered with minijinja, or ChatML when the file
//! has none.

use super::super::llm::Message;
use minijinja::{context, Environment, Error, ErrorKind};

const CHATML: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + \
'<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

pub struct ChatTemplate {
    source: String,
    bos: String,
    eos: String,
}

impl ChatTemplate {
    pub fn new(source: Option<String>, bos: String, eos: String) -> ChatTemplate {
        ChatTemplate { source: source.unwrap_or_else(|| CHATML.to_string()), bos, eos }
    }

    /// The prompt for `messages`, ending where the assistant's reply begins.
    pub fn render(&self, messages: &[Message]) -> Result<String, String> {
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |msg: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_function("strftime_now", |_fmt: String| chrono::Utc::now().format("%d %b %Y").to_string());
        env.add_template("chat", &self.source).map_err(|e| format!("its chat template cannot be read: {e}"))?;
        let messages: Vec<_> = messages.iter().map(|m| context! { role => m.role, content => m.content }).collect();
        let tmpl = env.get_template("chat").map_err(|e| e.to_string())?;
        tmpl.render(context! {
            messages => messages,
            add_generation_prompt => true,
            bos_token => self.bos,
            eos_token => self.eos,
        })
        .map_err(|e| format!("its chat template failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_and_a_llama3_style_template_render_as_trained() {
        let msgs =
            [Message { role: "system", content: "Be brief.".into() }, Message { role: "user", content: "Hi".into() }];
        let chatml = ChatTemplate::new(None, String::new(), String::new()).render(&msgs).unwrap();
        assert_eq!(
            chatml,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let llama3 = "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n{{ \
                      m['content'] | trim }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";
        let out =
            ChatTemplate::new(Some(llama3.into()), "<|begin_of_text|>".into(), String::new()).render(&msgs).unwrap();
        assert!(
            out.starts_with("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"),
            "{out}"
        );
        assert!(out.ends_with("<|start_header_id|>assistant<|end_header_id|>\n\n"));
        let strict = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}";
        let err = ChatTemplate::new(Some(strict.into()), String::new(), String::new()).render(&msgs).unwrap_err();
        assert!(err.contains("no system role"), "{err}");
    }
}
