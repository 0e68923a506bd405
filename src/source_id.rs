//! `SourceId`: which source a line came from. A leaf module: the merge, the store and the views
//! name sources without depending on how sources are read.

/// Index of a source, in the order sources were given (discovered ones come after). At most
/// 32,768 sources exist ([`SourceId::MAX`]): the supervisor refuses more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u16);

impl SourceId {
    /// The largest id: the store keeps a flag in the top bit beside it.
    pub const MAX: SourceId = SourceId(0x7fff);

    /// The index as a `usize`, for tables indexed by source.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The id of the source at `index`; indices past the last possible id saturate to it (tables
    /// indexed by source never grow beyond the sources the supervisor started).
    pub fn from_index(index: usize) -> Self {
        Self(u16::try_from(index).unwrap_or(u16::MAX))
    }

    /// The ids of sources `0..n`.
    pub fn all(n: usize) -> impl Iterator<Item = SourceId> {
        (0..n).map(Self::from_index)
    }
}
