//! The key map: which [`Action`] a key press means in the current mode.

use super::action::Action;
use super::state::Mode;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The action for `key` in `mode`, or `None` when the key means nothing.
///
/// `Ctrl-C` quits from anywhere; `q` quits only where it cannot be text.
pub fn action_for(key: KeyEvent, mode: &Mode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Action::Quit);
    }
    match mode {
        Mode::Normal => normal(key.code),
        Mode::Help => Some(Action::Back),
        Mode::Prompt(_) => typing(key.code),
        Mode::Confirm(_) => match key.code {
            KeyCode::Char('y' | 'Y') => Some(Action::Answer(true)),
            KeyCode::Char('n' | 'N') => Some(Action::Answer(false)),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        },
        Mode::Choose(_) => match key.code {
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            code => typing(code),
        },
    }
}

fn normal(code: KeyCode) -> Option<Action> {
    let action = match code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter => Action::Detail,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('n') => Action::New,
        KeyCode::Char('d') => Action::Dispatch,
        KeyCode::Char('o') => Action::Arrive,
        KeyCode::Char('r') => Action::Release,
        KeyCode::Char('c') => Action::Close,
        KeyCode::Char('x') => Action::Cancel,
        KeyCode::Char('e') => Action::Escalate,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    };
    Some(action)
}

fn typing(code: KeyCode) -> Option<Action> {
    match code {
        KeyCode::Char(c) => Some(Action::Input(c)),
        KeyCode::Backspace => Some(Action::Backspace),
        KeyCode::Enter => Some(Action::Submit),
        KeyCode::Esc => Some(Action::Back),
        _ => None,
    }
}
