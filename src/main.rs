fn main() {
    println!("gpucloud-terraform {}", env!("CARGO_PKG_VERSION"));
}
