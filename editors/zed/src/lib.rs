// Starts `dockerfix lsp --stdio` from the PATH of the worktree's shell.
use zed_extension_api as zed;

struct Dockerfix;

impl zed::Extension for Dockerfix {
    fn new() -> Self {
        Dockerfix
    }

    fn language_server_command(&mut self, _id: &zed::LanguageServerId, worktree: &zed::Worktree) -> zed::Result<zed::Command> {
        let command = worktree.which("dockerfix").ok_or_else(|| "dockerfix is not on PATH (npm install -g dockerfix)".to_string())?;
        Ok(zed::Command { command, args: vec!["lsp".into(), "--stdio".into()], env: Default::default() })
    }
}

zed::register_extension!(Dockerfix);
