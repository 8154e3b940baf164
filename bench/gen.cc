// STUB: replaced by the generator.
int main() { return 2; }
