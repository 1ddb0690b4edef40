pub mod read;
pub mod upload;
pub mod value;
