//! Synchronized playback groups: tiles that share one clock. When every tile
//! of a group is waiting in a gap, the clock jumps to the nearest recording
//! ("gap skipped"); when every tile has reached the end, the clock pauses.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use super::clock::Clock;

/// What one tile of a group is doing, as far as gaps and ends go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberState {
    /// The tile is in a gap; its next frame is at this recording time.
    pub waiting_for: Option<i64>,
    /// The tile has nothing further in the clock's direction.
    pub ended: bool,
}

pub struct Group {
    pub id: String,
    pub clock: Clock,
    members: Mutex<HashMap<u64, MemberState>>,
}

impl Group {
    pub fn new(id: String, at_ms: i64, speed: f64, paused: bool) -> Self {
        Self::with_clock(id, Clock::new(at_ms, speed, paused))
    }

    /// A group on a given clock (a simulated one in deterministic tests).
    pub fn with_clock(id: String, clock: Clock) -> Self {
        Self {
            id,
            clock,
            members: Mutex::new(HashMap::new()),
        }
    }

    pub fn join(&self, member: u64) {
        self.members
            .lock()
            .expect("group lock")
            .insert(member, MemberState::default());
    }

    pub fn leave(&self, member: u64) {
        self.members.lock().expect("group lock").remove(&member);
        self.check();
    }

    pub fn member_count(&self) -> usize {
        self.members.lock().expect("group lock").len()
    }

    /// A tile's new state; may skip the group's clock over a common gap or
    /// pause it at the end.
    pub fn report(&self, member: u64, state: MemberState) {
        {
            let mut m = self.members.lock().expect("group lock");
            match m.get_mut(&member) {
                Some(s) if *s != state => *s = state,
                _ => return,
            }
        }
        self.check();
    }

    fn check(&self) {
        let clock = self.clock.state();
        if clock.paused {
            return;
        }
        let decision = {
            let mut m = self.members.lock().expect("group lock");
            if m.is_empty() || !m.values().all(|s| s.ended || s.waiting_for.is_some()) {
                return;
            }
            let waits = m.values().filter_map(|s| s.waiting_for);
            let target = if clock.forward() {
                waits.min()
            } else {
                waits.max()
            };
            for s in m.values_mut() {
                s.waiting_for = None;
            }
            target
        };
        match decision {
            Some(t) => self.clock.skip_gap(t),
            None => self.clock.end(),
        }
    }
}

/// The live groups by id; a group lives as long as a tile holds it.
#[derive(Default)]
pub struct Groups {
    map: Mutex<HashMap<String, Weak<Group>>>,
}

impl Groups {
    /// The group `id`, created at (`at_ms`, `speed`, `paused`) if it does not
    /// exist; an existing group keeps its clock (the tile joins it).
    pub fn get_or_create(&self, id: &str, at_ms: i64, speed: f64, paused: bool) -> Arc<Group> {
        let mut map = self.map.lock().expect("groups lock");
        map.retain(|_, g| g.strong_count() > 0);
        if let Some(g) = map.get(id).and_then(Weak::upgrade) {
            return g;
        }
        let g = Arc::new(Group::new(id.to_string(), at_ms, speed, paused));
        map.insert(id.to_string(), Arc::downgrade(&g));
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::source::now_ms;
    use crate::playback::clock::Cause;

    #[test]
    fn all_waiting_skips_to_the_nearest_recording() {
        let t0 = now_ms() - 86_400_000;
        let g = Group::new("g".into(), t0, 1.0, false);
        g.join(1);
        g.join(2);
        g.report(
            1,
            MemberState {
                waiting_for: Some(t0 + 60_000),
                ended: false,
            },
        );
        assert_eq!(g.clock.state().cause, Cause::Start, "one tile still plays");
        g.report(
            2,
            MemberState {
                waiting_for: Some(t0 + 30_000),
                ended: false,
            },
        );
        let s = g.clock.state();
        assert!(matches!(s.cause, Cause::GapSkip { to_ms, .. } if to_ms == t0 + 30_000));
        assert!((t0 + 30_000..t0 + 31_000).contains(&s.position()));
    }

    #[test]
    fn all_ended_pauses_and_groups_are_shared() {
        let groups = Groups::default();
        let g = groups.get_or_create("a", now_ms() - 1000, 1.0, false);
        let same = groups.get_or_create("a", 0, 4.0, true);
        assert!(Arc::ptr_eq(&g, &same), "a second tile joins the clock");
        g.join(1);
        g.report(
            1,
            MemberState {
                waiting_for: None,
                ended: true,
            },
        );
        assert!(g.clock.state().paused);
        assert_eq!(g.clock.state().cause, Cause::End);
        drop((g, same));
        let fresh = groups.get_or_create("a", 0, 2.0, true);
        assert_eq!(fresh.clock.state().speed, 2.0);
    }
}
