// Importing this module registers every training engine with createClassifier(): what a fresh
// thread (a training worker) imports before it runs jobs.
import "./dense/index.js";
