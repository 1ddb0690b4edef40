//! Text measured in terminal cells, not bytes or characters.
//!
//! A Chinese character takes two cells, a Latin letter one. Every column of
//! the board is cut and padded here, so no character is ever split in half
//! and every line of a pane is exactly as wide as the pane.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The mark put where text was cut short.
pub const ELLIPSIS: char = '…';

/// How many cells `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Replaces control characters (tabs, line breaks, escapes) with spaces, so
/// a record's text cannot move the cursor or break a row.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Cuts `text` to at most `max` cells, ending with `…` when something was
/// cut. A wide character that would straddle the limit is left out whole.
pub fn truncate(text: &str, max: usize) -> String {
    let text = clean(text);
    if width(&text) <= max {
        return text;
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        // Measured on the whole prefix, so a variation selector that widens
        // the character before it is counted.
        if width(&out) > max - 1 {
            out.pop();
            break;
        }
    }
    out.push(ELLIPSIS);
    out
}

/// `text` cut to `cells` and padded with spaces to exactly `cells`.
pub fn fit(text: &str, cells: usize) -> String {
    let mut out = truncate(text, cells);
    let used = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(used)));
    out
}

/// `text` cut to `cells` and padded on the left to exactly `cells`.
pub fn fit_right(text: &str, cells: usize) -> String {
    let cut = truncate(text, cells);
    let pad = cells.saturating_sub(width(&cut));
    format!("{}{cut}", " ".repeat(pad))
}

/// A piece of a paragraph that the wrapper places whole or breaks.
#[derive(Debug, PartialEq)]
enum Atom {
    /// A run of spaces: a place to break, never carried to a line start.
    Space,
    /// A run of narrow letters and digits, kept together when it fits a line.
    Word(String),
    /// One wide character (with any zero-width marks after it); lines may
    /// break before and after it, as Chinese text breaks between characters.
    Wide(String),
}

fn atoms(paragraph: &str) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    for c in paragraph.chars() {
        if c.is_whitespace() {
            if out.last() != Some(&Atom::Space) {
                out.push(Atom::Space);
            }
            continue;
        }
        let cells = UnicodeWidthChar::width(c).unwrap_or(0);
        match (out.last_mut(), cells) {
            (Some(Atom::Word(w) | Atom::Wide(w)), 0) => w.push(c),
            (Some(Atom::Word(w)), 1) => w.push(c),
            (_, 0 | 1) => out.push(Atom::Word(c.to_string())),
            _ => out.push(Atom::Wide(c.to_string())),
        }
    }
    out
}

/// Lines being filled, no wider than `max` cells each.
struct Lines {
    max: usize,
    done: Vec<String>,
    line: String,
}

impl Lines {
    fn fits(&self, more: &str) -> bool {
        width(&self.line) + width(more) <= self.max
    }

    fn flush(&mut self) {
        let line = std::mem::take(&mut self.line);
        self.done.push(line.trim_end().to_string());
    }

    /// Adds characters one by one, starting a new line whenever the next
    /// would not fit: for wide characters and words longer than a line.
    fn push_breaking(&mut self, text: &str) {
        for c in text.chars() {
            let mut one = [0u8; 4];
            if !self.fits(c.encode_utf8(&mut one)) && !self.line.is_empty() {
                self.flush();
            }
            self.line.push(c);
        }
    }

    fn push(&mut self, atom: Atom) {
        match atom {
            Atom::Space if self.line.is_empty() => {}
            Atom::Space if self.fits(" ") => self.line.push(' '),
            Atom::Space => self.flush(),
            Atom::Word(w) if self.fits(&w) => self.line.push_str(&w),
            Atom::Word(w) if width(&w) <= self.max => {
                self.flush();
                self.line = w;
            }
            Atom::Word(w) | Atom::Wide(w) => self.push_breaking(&w),
        }
    }
}

/// Wraps `text` into lines of at most `max` cells (case 10).
///
/// Chinese text breaks between any two characters and each line is filled
/// as far as it goes; a Latin word moves whole to the next line when it
/// fits there, and is broken only when it is longer than a line. Line breaks
/// in the text are kept; spaces never start a line. A `max` of 0 gives no
/// lines.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    if max == 0 {
        return Vec::new();
    }
    let mut lines = Lines {
        max,
        done: Vec::new(),
        line: String::new(),
    };
    for paragraph in text.split('\n') {
        for atom in atoms(&clean(paragraph)) {
            lines.push(atom);
        }
        lines.flush();
    }
    lines.done
}

/// Wraps `text` after a fixed `lead` (a label or a time): the first line
/// starts with it, later lines are indented by its width.
pub fn wrap_after(lead: &str, text: &str, max: usize) -> Vec<String> {
    let indent = width(lead);
    if indent >= max {
        return wrap(&format!("{lead}{text}"), max);
    }
    wrap(text, max - indent)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                format!("{lead}{line}")
            } else {
                format!("{}{line}", " ".repeat(indent))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE_10: &str = "A栋 3号梯困人，乘客两名，维保人员已到场";

    #[test]
    fn case_10_wraps_between_characters_and_fills_each_line() {
        let lines = wrap(CASE_10, 20);

        assert_eq!(lines, ["A栋 3号梯困人，乘客", "两名，维保人员已到场"]);
        for line in &lines {
            assert!(width(line) <= 20, "{line:?} is {} cells", width(line));
        }
        // Filled as far as it can be: the next character (两, 2 cells) would
        // make the first line 21 cells.
        assert_eq!(width(&lines[0]), 19);
        assert_eq!(lines.concat(), CASE_10);
    }

    #[test]
    fn case_10_holds_at_every_width() {
        let chars: usize = CASE_10.chars().filter(|c| *c != ' ').count();
        for max in 2..=40 {
            let lines = wrap(CASE_10, max);
            assert!(
                lines.iter().all(|l| width(l) <= max),
                "width {max}: {lines:?}"
            );
            let kept: usize = lines
                .iter()
                .map(|l| l.chars().filter(|c| *c != ' ').count())
                .sum();
            assert_eq!(kept, chars, "width {max} lost characters: {lines:?}");
            for pair in lines.windows(2) {
                let first = pair[1].chars().next().unwrap_or(' ');
                // A break at a space drops the space, which took a cell too.
                let space = CASE_10.contains(&format!("{} {first}", pair[0]));
                let next = first.width().unwrap_or(0) + usize::from(space);
                assert!(
                    width(&pair[0]) + next > max,
                    "width {max}: {pair:?} not filled"
                );
            }
        }
    }

    #[test]
    fn ratatui_word_wrapping_does_not_fill_the_first_line() {
        // Why this module wraps by itself: ratatui's word wrapper breaks at
        // the space after `A栋` and leaves the first line three cells wide.
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        use ratatui::widgets::{Paragraph, Widget, Wrap};

        let area = Rect::new(0, 0, 20, 3);
        let mut buf = Buffer::empty(area);
        Paragraph::new(CASE_10)
            .wrap(Wrap { trim: true })
            .render(area, &mut buf);
        let first: String = (0..20).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(first.trim_end(), "A栋");
    }

    #[test]
    fn latin_words_move_whole_and_long_ones_break() {
        assert_eq!(wrap("call the team now", 9), ["call the", "team now"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("梯 T0120队", 6), ["梯", "T0120", "队"]);
    }

    #[test]
    fn line_breaks_are_kept_and_nothing_is_wider_than_one_cell() {
        assert_eq!(wrap("一\n二", 10), ["一", "二"]);
        assert_eq!(wrap("电梯", 1), ["电", "梯"]);
        assert!(wrap("x", 0).is_empty());
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate("鼓楼区中山路", 7), "鼓楼区…");
        assert_eq!(truncate("鼓楼区中山路", 8), "鼓楼区…");
        assert_eq!(truncate("鼓楼区中山路", 12), "鼓楼区中山路");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(fit("南京", 6), "南京  ");
        assert_eq!(width(&fit("鼓楼区中山路", 8)), 8);
        assert_eq!(fit_right("2", 4), "   2");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(truncate("a\tb\x1b[2J", 20), "a b [2J");
        assert_eq!(wrap("a\tb", 10), ["a b"]);
    }

    #[test]
    fn a_lead_hangs_its_continuation_lines() {
        let lines = wrap_after("note ", "乘客两名维保人员", 11);
        assert_eq!(lines, ["note 乘客两", "     名维保", "     人员"]);
    }
}
