//! Colour, decided once. Every styled piece of the board asks [`Theme`] for
//! the style of its [`Tone`], so `NO_COLOR` holds everywhere by
//! construction: without colour, an overdue row is shown in reverse video.

use ratatui::style::{Color, Modifier, Style};

/// What a piece of the screen means, and so how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Ordinary text.
    Plain,
    /// Column headings and pane titles.
    Heading,
    /// Secondary text: hints, released incidents.
    Dim,
    /// 20 minutes or more on the arrival clock.
    Warn,
    /// Past the 30-minute arrival limit.
    Overdue,
    /// The selected row.
    Selected,
    /// The live mark in the header.
    Live,
    /// The stream is down.
    Down,
    /// A conflict message.
    Conflict,
    /// An error message.
    Error,
    /// A key name in the hints.
    Key,
}

/// The board's styles, with or without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// A theme; `color` false for `NO_COLOR`, `--color never` or a dumb terminal.
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    /// Whether colours are used.
    pub fn color(&self) -> bool {
        self.color
    }

    /// The style of `tone`.
    pub fn style(&self, tone: Tone) -> Style {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        if !self.color {
            return match tone {
                Tone::Overdue => Style::new().add_modifier(Modifier::REVERSED),
                Tone::Heading
                | Tone::Warn
                | Tone::Selected
                | Tone::Conflict
                | Tone::Error
                | Tone::Key
                | Tone::Down => bold,
                Tone::Plain | Tone::Dim | Tone::Live => Style::new(),
            };
        }
        match tone {
            Tone::Plain => Style::new(),
            Tone::Heading => bold,
            Tone::Dim => Style::new().fg(Color::DarkGray),
            Tone::Warn => Style::new().fg(Color::Yellow),
            Tone::Overdue => bold.fg(Color::Red),
            Tone::Selected => bold.bg(Color::Indexed(236)),
            Tone::Live => Style::new().fg(Color::Green),
            Tone::Down => bold.fg(Color::Red),
            Tone::Conflict => bold.fg(Color::Yellow),
            Tone::Error => bold.fg(Color::Red),
            Tone::Key => bold.fg(Color::Cyan),
        }
    }
}
