// The API test client: filled in with account_api_test.cpp.
