pub mod read;
pub mod value;
pub mod upload;
